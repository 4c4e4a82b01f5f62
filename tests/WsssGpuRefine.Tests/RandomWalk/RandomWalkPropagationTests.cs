using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Tests.RandomWalk;

public class RandomWalkPropagationTests
{
    internal static float[] RandomMap(Random rng, int count, float scale = 1f)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)rng.NextDouble() * scale;
        return v;
    }

    /// <summary>A boundary map with low noise and one wall, so the walk has structure to respect.</summary>
    internal static float[] WalledBoundary(Random rng, int h, int w)
    {
        var b = RandomMap(rng, h * w, 0.2f);
        for (int y = 0; y < h; y++) b[y * w + w / 2] = 0.9f + 0.1f * (float)rng.NextDouble();
        return b;
    }

    private static void AssertCloseAfterGlobalMax(double[] expected, float[] actual, double tolerance = 1e-4)
    {
        double maxE = expected.Max(), maxA = actual.Max();
        Assert.True(maxE > 0 && maxA > 0);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, Math.Abs(expected[i] / maxE - actual[i] / maxA));
        Assert.True(worst <= tolerance, $"max abs diff after normalisation {worst:E3}");
    }

    [Theory]
    [InlineData(9, 11, 3, 10f, 8, 5)]
    [InlineData(9, 11, 2, 5f, 8, 5)]
    [InlineData(7, 13, 3, 8f, 6, 4)]
    [InlineData(12, 10, 2, 10f, 3, 3)]
    [InlineData(9, 11, 5, 10f, 8, 5)]
    [InlineData(8, 10, 7, 10f, 4, 5)]
    public void BoundaryWalkMatchesDenseDoubleReference(int h, int w, int channels, float beta, int expTimes, int radius)
    {
        var rng = new Random(h * 1000 + w * 10 + channels);
        var boundary = WalledBoundary(rng, h, w);
        var x = RandomMap(rng, channels * h * w);
        var affinity = BoundaryAffinity.FromBoundary(boundary, h, w, radius);
        var options = new RandomWalkOptions { Beta = beta, ExpTimes = expTimes, Radius = radius };

        var dense = DenseRandomWalkReference.BoundaryAffinity(boundary, h, w, radius);
        var expected = DenseRandomWalkReference.Apply(x, channels, DenseRandomWalkReference.Transition(dense, beta, expTimes));
        var actual = (float[])x.Clone();
        RandomWalker.Propagate(actual, channels, affinity, options);

        AssertCloseAfterGlobalMax(expected, actual);
        AssertSameLabelsExceptTies(expected, actual, channels, h * w, 0.25);
    }

    private static void AssertSameLabelsExceptTies(double[] expected, float[] actual, int channels, int n, double threshold)
    {
        double maxE = expected.Max(), maxA = actual.Max();
        int decided = 0;
        for (int p = 0; p < n; p++)
        {
            var e = Enumerable.Range(0, channels).Select(c => expected[c * n + p] / maxE).Prepend(threshold).ToArray();
            var a = Enumerable.Range(0, channels).Select(c => actual[c * n + p] / maxA).Prepend(threshold).ToArray();
            var sorted = e.OrderDescending().ToArray();
            if (sorted[0] - sorted[1] < 1e-6) continue; // an exact tie in the reference
            Assert.Equal(Array.IndexOf(e, e.Max()), Array.IndexOf(a, a.Max()));
            decided++;
        }
        Assert.True(decided > n / 2);
    }

    [Fact]
    public void DoubleAccumulationIsWithinRoundingOfDenseReference()
    {
        var rng = new Random(21);
        int h = 9, w = 11, channels = 3;
        var boundary = WalledBoundary(rng, h, w);
        var x = RandomMap(rng, channels * h * w);
        var affinity = BoundaryAffinity.FromBoundary(boundary, h, w);
        var expected = DenseRandomWalkReference.Apply(x, channels,
            DenseRandomWalkReference.Transition(DenseRandomWalkReference.BoundaryAffinity(boundary, h, w, 5), 10, 8));
        var actual = (float[])x.Clone();
        RandomWalker.Propagate(actual, channels, affinity, RandomWalkOptions.Irn with { DoubleAccumulation = true });
        AssertCloseAfterGlobalMax(expected, actual, 1e-6);
    }

    [Fact]
    public void FeatureAndImageWalksMatchDenseReferenceOfTheirWeights()
    {
        var rng = new Random(7);
        int h = 10, w = 12, channels = 3;
        var features = RandomMap(rng, 5 * h * w, 2f);
        var rgb = RandomMap(rng, 3 * h * w, 255f);
        var x = RandomMap(rng, channels * h * w);
        foreach (StencilAffinity affinity in new StencilAffinity[]
                 {
                     FeatureAffinity.FromFeatures(features, 5, h, w),
                     FeatureAffinity.FromFeatures(features, 5, h, w, restrictSources: false),
                     ImageAffinity.FromGrid(rgb, h, w),
                 })
        {
            var options = new RandomWalkOptions { Beta = 8, ExpTimes = 6 };
            var expected = DenseRandomWalkReference.Apply(x, channels,
                DenseRandomWalkReference.Transition(DenseRandomWalkReference.FromStencil(affinity), 8, 6));
            var actual = (float[])x.Clone();
            RandomWalker.Propagate(actual, channels, affinity, options);
            AssertCloseAfterGlobalMax(expected, actual);
        }
    }

    [Fact]
    public void WeightsThatUnderflowBelowTheSmallestNormalFloatAreDropped()
    {
        // Two columns: between them the boundary is 1 − 1e-4 (a^10 ≈ 1e-40, subnormal) in row 0 and 0.99
        // (a^10 ≈ 1e-20, normal) in row 1. The first pair's weight is dropped, the second kept.
        int h = 2, w = 2;
        var boundary = new float[] { 0f, 1f - 1e-4f, 0f, 0.99f };
        var t = StencilTransition.Build(BoundaryAffinity.FromBoundary(boundary, h, w, radius: 2), 10f, System.Numerics.Vector<float>.Count);
        int right = Array.IndexOf(t.Directions, new RandomWalkDirection(0, 1));
        float Weight(int y) => t.BetaPlanes[right * t.PlaneSize + t.IndexOf(y, 0)];
        Assert.Equal(0f, Weight(0));
        Assert.Equal(MathF.Pow(1f - 0.99f, 10f), Weight(1));
        Assert.True(MathF.Pow(1f - (1f - 1e-4f), 10f) is > 0f and < 1.17549435e-38f, "the dropped weight is subnormal, not zero");
        Assert.All(t.BetaPlanes, v => Assert.False(float.IsSubnormal(v)));
    }

    [Theory]
    [InlineData(1, 20)]   // blocks of one channel, four chunks at a time, then a one-chunk tail (3 chunks)
    [InlineData(1, 40)]   // 5 chunks
    [InlineData(2, 33)]
    [InlineData(3, 20)]   // three channels, two chunks at a time, then a one-chunk tail
    [InlineData(3, 30)]
    [InlineData(4, 20)]
    [InlineData(5, 9)]    // a block of four, then one
    [InlineData(6, 20)]
    [InlineData(7, 25)]
    public void FloatStepsEqualAScalarReplicaBitForBit(int channels, int w)
    {
        // The vector step takes several channels and chunks at a time; every cell must still see exactly the
        // scalar formula's operations in its order: per direction the forward then the backward pair, each a fused
        // multiply-add of the weight and the difference to the centre, then centre + sum · (1 / colsum).
        var rng = new Random(channels * 100 + w);
        int h = 9, steps = 3;
        var affinity = BoundaryAffinity.FromBoundary(WalledBoundary(rng, h, w), h, w);
        var t = StencilTransition.Build(affinity, 10f, System.Numerics.Vector<float>.Count);
        var x = RandomMap(rng, channels * h * w);
        var actual = (float[])x.Clone();
        RandomWalkCpu.Propagate(t, actual, channels, steps, new CpuBackend(1));

        bool fused = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
        float Fma(float a, float b, float c) => fused ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;
        var cur = new float[channels * t.PlaneSize];
        var next = new float[cur.Length];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) cur[c * t.PlaneSize + t.IndexOf(y, xx)] = x[(c * h + y) * w + xx];
        for (int s = 0; s < steps; s++)
        {
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++)
                    {
                        int j = t.IndexOf(y, xx), at = c * t.PlaneSize + j;
                        float centre = cur[at], acc = 0f;
                        for (int d = 0; d < t.Offsets.Length; d++)
                        {
                            int off = t.Offsets[d];
                            acc = Fma(t.BetaPlanes[d * t.PlaneSize + j], cur[at + off] - centre, acc);
                            acc = Fma(t.BetaPlanes[d * t.PlaneSize + j - off], cur[at - off] - centre, acc);
                        }
                        next[at] = Fma(acc, t.InverseColumnSum[j], centre);
                    }
            (cur, next) = (next, cur);
        }
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                {
                    float expected = cur[c * t.PlaneSize + t.IndexOf(y, xx)], got = actual[(c * h + y) * w + xx];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(got),
                        $"channel {c} cell ({y},{xx}): {got:R} != {expected:R}");
                }
    }

    [Fact]
    public void ThreadedStencilMatchesStepwiseDoubleGather()
    {
        // Big enough to take the threaded path; the reference applies x ← x·T one step at a time
        // by a plain gather over all pairs in double.
        var rng = new Random(11);
        int h = 41, w = 67, channels = 4, steps = 256;
        var boundary = WalledBoundary(rng, h, w);
        var x = RandomMap(rng, channels * h * w);
        var affinity = BoundaryAffinity.FromBoundary(boundary, h, w);
        var actual = (float[])x.Clone();
        RandomWalker.Propagate(actual, channels, affinity, new RandomWalkOptions(), new CpuBackend(2));
        var actualDouble = (float[])x.Clone();
        RandomWalker.Propagate(actualDouble, channels, affinity, new RandomWalkOptions { DoubleAccumulation = true }, new CpuBackend(2));

        int n = h * w;
        var weights = new double[n, 69];
        var neighbours = new int[n, 69];
        var dirs = affinity.Directions;
        for (int j = 0; j < n; j++)
        {
            int y = j / w, xx = j % w, k = 0;
            neighbours[j, k] = j; weights[j, k++] = 1;
            for (int d = 0; d < dirs.Count; d++)
            {
                int ty = y + dirs[d].Dy, tx = xx + dirs[d].Dx;
                if (ty >= 0 && ty < h && tx >= 0 && tx < w) { neighbours[j, k] = ty * w + tx; weights[j, k++] = Math.Pow(affinity[d, y, xx], 10); }
                int sy = y - dirs[d].Dy, sx = xx - dirs[d].Dx;
                if (sy >= 0 && sy < h && sx >= 0 && sx < w) { neighbours[j, k] = sy * w + sx; weights[j, k++] = Math.Pow(affinity[d, sy, sx], 10); }
            }
            double sum = 0;
            for (int q = 0; q < k; q++) sum += weights[j, q];
            for (int q = 0; q < k; q++) weights[j, q] /= sum;
            for (int q = k; q < 69; q++) { weights[j, q] = 0; neighbours[j, q] = j; }
        }
        var cur = x.Select(v => (double)v).ToArray();
        var next = new double[cur.Length];
        for (int s = 0; s < steps; s++)
        {
            for (int c = 0; c < channels; c++)
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int q = 0; q < 69; q++) acc += weights[j, q] * cur[c * n + neighbours[j, q]];
                    next[c * n + j] = acc;
                }
            (cur, next) = (next, cur);
        }
        AssertCloseAfterGlobalMax(cur, actual, 5e-5);
        AssertCloseAfterGlobalMax(cur, actualDouble, 1e-6);
    }

    [Fact]
    public void ConstantMapIsAFixedPoint()
    {
        // Column normalisation makes Σ_i T_ij = 1, so the all-ones row vector satisfies 1·T = 1.
        int h = 9, w = 11;
        var affinity = BoundaryAffinity.FromBoundary(WalledBoundary(new Random(3), h, w), h, w);
        var ones = Enumerable.Repeat(1f, h * w).ToArray();
        RandomWalker.Propagate(ones, 1, affinity, new RandomWalkOptions());
        Assert.All(ones, v => Assert.Equal(1f, v, 1e-4f));
    }

    [Theory]
    [InlineData(3, 4, 2)]
    [InlineData(24, 26, 3)] // enough columns for the threaded column split
    public void DenseMatrixSourceAppliesTheMatrixOnce(int h, int w, int channels)
    {
        var rng = new Random(5);
        int n = h * w;
        var m = RandomMap(rng, n * n);
        var x = RandomMap(rng, channels * n);
        var actual = (float[])x.Clone();
        RandomWalker.Propagate(actual, channels, new DenseMatrixAffinity(m, h, w), new RandomWalkOptions());
        for (int c = 0; c < channels; c++)
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int i = 0; i < n; i++) expected += (double)x[c * n + i] * m[i * n + j];
                Assert.Equal(expected, actual[c * n + j], expected * 1e-5);
            }
    }

    [Fact]
    public void DenseMatrixOfPoweredTransitionEqualsStencilWalk()
    {
        // WSGCN saves T^(2^t); applying it must agree with walking the stencil.
        int h = 8, w = 9, channels = 2;
        var rng = new Random(9);
        var affinity = BoundaryAffinity.FromBoundary(WalledBoundary(rng, h, w), h, w);
        var t = DenseRandomWalkReference.Transition(DenseRandomWalkReference.FromStencil(affinity), 10, 8);
        int n = h * w;
        var matrix = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) matrix[i * n + j] = (float)t[i, j];
        var x = RandomMap(rng, channels * n);
        var viaMatrix = (float[])x.Clone();
        RandomWalker.Propagate(viaMatrix, channels, new DenseMatrixAffinity(matrix, h, w), RandomWalkOptions.Irn);
        var viaStencil = (float[])x.Clone();
        RandomWalker.Propagate(viaStencil, channels, affinity, RandomWalkOptions.Irn);
        AssertCloseAfterGlobalMax(viaMatrix.Select(v => (double)v).ToArray(), viaStencil);
    }

    [Fact]
    public void MatrixRecipeWithBoundaryEqualsBoundaryRecipe()
    {
        // WSGCN: the saved T^(2^t) applied to CAM·(1 − B) must give IRN's labels.
        int h = 9, w = 11, channels = 2;
        var rng = new Random(13);
        var boundary = WalledBoundary(rng, h, w);
        var affinity = BoundaryAffinity.FromBoundary(boundary, h, w);
        var t = DenseRandomWalkReference.Transition(DenseRandomWalkReference.FromStencil(affinity), 10, 8);
        int n = h * w;
        var matrix = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) matrix[i * n + j] = (float)t[i, j];
        var cam = new ClassMaps([4, 9], h, w, RandomMap(rng, channels * n));
        var viaStencil = RandomWalker.RefineIrn(cam, affinity, 34, 43, RandomWalkOptions.Irn);
        var viaMatrix = RandomWalker.RefineIrn(cam, new DenseMatrixAffinity(matrix, h, w, boundary: boundary), 34, 43, RandomWalkOptions.Irn);
        var undamped = RandomWalker.RefineIrn(cam, new DenseMatrixAffinity(matrix, h, w), 34, 43, RandomWalkOptions.Irn);
        float worst = 0, undampedWorst = 0;
        for (int i = 0; i < viaStencil.Scores.Data.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(viaStencil.Scores.Data[i] - viaMatrix.Scores.Data[i]));
            undampedWorst = MathF.Max(undampedWorst, MathF.Abs(viaStencil.Scores.Data[i] - undamped.Scores.Data[i]));
        }
        Assert.True(worst <= 1e-4f, $"max abs diff {worst:E3}");
        Assert.True(undampedWorst > 1e-3f, "the boundary damping must matter in this case");
    }

    [Fact]
    public void TinyGridsWalkWithoutNeighbours()
    {
        // A 1×1 grid has no pairs: T = [1], so the walk is the identity and IRN only normalises.
        var affinity = BoundaryAffinity.FromBoundary([0.5f], 1, 1);
        var result = RandomWalker.RefineIrn(new ClassMaps([2, 7], 1, 1, [0.8f, 0.4f]), affinity, 3, 2, RandomWalkOptions.Irn);
        Assert.All(result.Labels.Labels, l => Assert.Equal(2, l));
        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 1, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f }, result.Scores.Data);

        // A 1×5 strip with no boundary: the walk averages along it and keeps the constant.
        var strip = BoundaryAffinity.FromBoundary(new float[5], 1, 5);
        float[] x = [1, 1, 1, 1, 1];
        RandomWalker.Propagate(x, 1, strip, RandomWalkOptions.Irn);
        Assert.All(x, v => Assert.Equal(1f, v, 1e-6f));
    }
}
