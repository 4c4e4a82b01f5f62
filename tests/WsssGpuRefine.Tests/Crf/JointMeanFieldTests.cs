using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// The CPU runs small CRFs of one image side by side in one joint pass (MeanFieldCpu.RunAll) and filters the
/// normalisation's ones on one lane (FilterScalar): both must give exactly, bit for bit, what the CRFs and the
/// padded filter give on their own.
/// </summary>
public class JointMeanFieldTests
{
    // 100x107 on two threads splats through two pixel chunks (one per 4096 pixels at most).
    public static TheoryData<int, int> Threads => new() { { 1, 3 }, { 2, 4 }, { 1, 40 }, { 2, 100 } };

    [Theory]
    [MemberData(nameof(Threads))]
    public void JointPassEqualsSeparateRunsBitForBit(int threads, int size)
    {
        var backend = new CpuBackend(threads);
        var p = CrfParameters.Preset("irn");
        var (image, _) = CrfScenes.Bands(size, size + 7, 3, seed: size, colourNoise: 6);
        var prepared = DenseCrf.Prepare(backend, image, p);
        // 3+3 and 2+4 pack into one 8-float row; 6 runs alone at 8; 5 alone; 1 after it packs with the next 2.
        CrfUnary[] unaries = [
            CrfScenes.RandomUnary(3, image.Height, image.Width, 1), CrfScenes.RandomUnary(3, image.Height, image.Width, 2),
            CrfScenes.RandomUnary(2, image.Height, image.Width, 3), CrfScenes.RandomUnary(4, image.Height, image.Width, 4),
            CrfScenes.RandomUnary(6, image.Height, image.Width, 5), CrfScenes.RandomUnary(5, image.Height, image.Width, 6),
            CrfScenes.RandomUnary(1, image.Height, image.Width, 7), CrfScenes.RandomUnary(2, image.Height, image.Width, 8),
        ];
        var joint = prepared.InferAll(unaries);
        Assert.Equal(unaries.Length, joint.Length);
        for (int u = 0; u < unaries.Length; u++)
        {
            var alone = prepared.Infer(unaries[u]);
            Assert.Equal(unaries[u].LabelCount, joint[u].LabelCount);
            Assert.Equal(alone.Labels, joint[u].Labels);
            Assert.Equal(alone.Marginals.Select(BitConverter.SingleToInt32Bits), joint[u].Marginals.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void JointPassKeepsEachCrfsOwnUnsureThresholdAndLabels()
    {
        // Two label CRFs whose unaries disagree everywhere: packing must not leak one into the other.
        var p = CrfParameters.Preset("irn");
        var (image, _) = CrfScenes.Bands(9, 11, 2, seed: 5, colourNoise: 0);
        var zeros = new LabelMap(9, 11);
        var ones = new LabelMap(9, 11, Enumerable.Repeat((byte)1, 99).ToArray());
        var results = DenseCrf.Prepare(new CpuBackend(1), image, p).InferAll([
            CrfUnary.FromLabels(zeros, 2, p.GtProb), CrfUnary.FromLabels(ones, 2, p.GtProb)]);
        Assert.All(results[0].Labels, l => Assert.Equal(0, l));
        Assert.All(results[1].Labels, l => Assert.Equal(1, l));
        for (int i = 0; i < 99; i++)
        {
            Assert.Equal(1f, results[0].Marginals[i] + results[0].Marginals[99 + i], 5);
            Assert.Equal(results[0].Marginals[i], results[1].Marginals[99 + i]);
        }
    }

    [Theory]
    [InlineData(1, 2, 3f, 0f)]
    [InlineData(1, 5, 50f, 5f)]
    [InlineData(2, 5, 80f, 13f)]
    [InlineData(2, 2, 1f, 0f)]
    public void ScalarFilterEqualsPaddedFilterBitForBit(int threads, int d, float sxy, float srgb)
    {
        var parallel = new CpuBackend(threads).ParallelOptions;
        var (image, _) = CrfScenes.Bands(70, 90, 3, seed: 9, colourNoise: 10);
        var features = LatticeFeatures.Of(image, d, sxy, srgb);
        var lattice = PermutohedralLattice.Build(features, d, parallel);
        var rng = new Random(11);
        var signal = new float[lattice.PixelCount];
        for (int i = 0; i < signal.Length; i++) signal[i] = (float)rng.NextDouble();
        var padded = new float[signal.Length * 4];
        for (int i = 0; i < signal.Length; i++) padded[i * 4] = signal[i];
        var expected = PaddedLatticeFilter.Filter(lattice, padded, 4, parallel);
        var actual = lattice.FilterScalar(signal, parallel);
        for (int i = 0; i < signal.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[i * 4]), BitConverter.SingleToInt32Bits(actual[i]));
    }

    [Theory]
    [InlineData(2, 3f, 0f)]
    [InlineData(5, 50f, 5f)]
    public void BlurNeighboursAreMutualAndOneThreadEqualsTwo(int d, float sxy, float srgb)
    {
        var (image, _) = CrfScenes.Bands(64, 80, 3, seed: 2, colourNoise: 10);
        var features = LatticeFeatures.Of(image, d, sxy, srgb);
        var one = PermutohedralLattice.Build(features, d, new CpuBackend(1).ParallelOptions);
        var two = PermutohedralLattice.Build(features, d, new CpuBackend(2).ParallelOptions);
        // Same first-appearance ids whether built in one table or merged from chunks.
        Assert.Equal(one.VertexCount, two.VertexCount);
        Assert.Equal(one.Offsets, two.Offsets);
        Assert.Equal(one.BlurNeighbors, two.BlurNeighbors);
        int m = one.VertexCount, found = 0;
        var nb = one.BlurNeighbors;
        for (int j = 0; j <= d; j++)
            for (int v = 0; v < m; v++)
            {
                int first = nb[(j * m + v) * 2], second = nb[(j * m + v) * 2 + 1];
                if (first < m) { found++; Assert.Equal(v, nb[(j * m + first) * 2 + 1]); }
                if (second < m) Assert.Equal(v, nb[(j * m + second) * 2]);
            }
        Assert.True(found > m, $"only {found} neighbour pairs for {m} vertices");
    }
}

/// <summary>The AVX2 lattice build (coordinates in vector lanes) against the scalar one: the same lattice, entry for entry.</summary>
public class LatticeBuildPathTests
{
    [Avx2Theory]
    [InlineData(1, 2, 3f, 0f)]
    [InlineData(1, 5, 50f, 5f)]
    [InlineData(2, 5, 80f, 13f)]
    [InlineData(1, 5, 30f, 1f)]
    [InlineData(1, 1, 0.7f, 0f)]
    [InlineData(1, 6, 20f, 3f)]
    public void Avx2BuildEqualsScalarBuild(int threads, int d, float sxy, float srgb)
    {
        var parallel = new CpuBackend(threads).ParallelOptions;
        var (image, _) = CrfScenes.Bands(83, 97, 3, seed: 4, colourNoise: 25);
        var features = LatticeFeatures.Of(image, d, sxy, srgb);
        var scalar = PermutohedralLattice.Build(features, d, parallel, avx2: false);
        var vector = PermutohedralLattice.Build(features, d, parallel, avx2: true);
        Assert.Equal(scalar.VertexCount, vector.VertexCount);
        Assert.Equal(scalar.Offsets, vector.Offsets);
        Assert.Equal(scalar.Barycentric.Select(BitConverter.SingleToInt32Bits), vector.Barycentric.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(scalar.BlurNeighbors, vector.BlurNeighbors);
    }
}

/// <summary>Lattice features of a test scene: the CRF's Gaussian (d = 2) and bilateral (d = 5) kernels, other dimensions from position and colour.</summary>
internal static class LatticeFeatures
{
    public static float[] Of(RgbImage image, int d, float sxy, float srgb) => d switch
    {
        2 => CrfKernel.GaussianFeatures(image.Height, image.Width, sxy),
        5 => CrfKernel.BilateralFeatures(image, sxy, srgb),
        _ => Other(image, d, sxy, srgb),
    };

    /// <summary>Position and colour features cut or extended (negative values included).</summary>
    private static float[] Other(RgbImage image, int d, float sxy, float srgb)
    {
        int n = image.Height * image.Width;
        var f = new float[n * d];
        for (int p = 0; p < n; p++)
            for (int k = 0; k < d; k++)
                f[p * d + k] = k switch
                {
                    0 => (p % image.Width) / sxy,
                    1 => (p / image.Width) / sxy,
                    _ => (image.Pixels[p * 3 + (k - 2) % 3] - 128f) / (srgb * (1 + k / 5)),
                };
        return f;
    }
}

/// <summary>
/// A theory of the AVX2 code path. Skipped with the reason on a CPU without AVX2 (an ARM laptop), but it runs (and
/// fails) when CI=true: CI runs on x86-64, where an unexercised vector path would be a CI bug.
/// </summary>
public sealed class Avx2TheoryAttribute : TheoryAttribute
{
    public Avx2TheoryAttribute()
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported && !WsssGpuRefine.Tests.Io.PilTestEnvironment.IsCi)
            Skip = "this CPU has no AVX2: the vector lattice build is not used here";
    }
}

/// <summary>The per-image lattice buffers are reused at their exact length, within a byte cap, and reuse changes no result.</summary>
public class ImageArraysTests
{
    [Fact]
    public void ReturnedArrayComesBackOnlyAtItsExactLengthAndTheCapHolds()
    {
        // Lengths no lattice of the other tests uses, so tests running in parallel cannot take these arrays.
        var a = ImageArrays.Rent<int>(262_147);
        ImageArrays.Return(a);
        Assert.NotSame(a, ImageArrays.Rent<int>(262_149));
        Assert.Same(a, ImageArrays.Rent<int>(262_147));
        Assert.NotSame(a, ImageArrays.Rent<int>(262_147));
        var small = ImageArrays.Rent<float>(100);
        ImageArrays.Return(small);
        Assert.NotSame(small, ImageArrays.Rent<float>(100));
        for (int i = 0; i < 40; i++) ImageArrays.Return(new float[1_000_003 + i]);
        Assert.InRange(ImageArrays.KeptBytes, 0, ImageArrays.MaxBytes);
    }

    [Fact]
    public void AnImagePreparedOnReusedBuffersGivesTheSameCrfsBitForBit()
    {
        var p = CrfParameters.Preset("irn");
        var (image, scores) = CrfScenes.Bands(120, 140, 3, seed: 13, colourNoise: 12);
        var unary = CrfUnary.FromMaps(scores, p with { Unary = CrfUnaryKind.Softmax });
        var backend = new CpuBackend(1);
        CrfResult first;
        using (var prepared = DenseCrf.Prepare(backend, image, p)) first = prepared.Infer(unary);
        // The first image's lattice arrays are back in the pool; the next image of the same size takes them.
        for (int round = 0; round < 3; round++)
        {
            using var prepared = DenseCrf.Prepare(backend, image, p);
            var again = prepared.Infer(unary);
            Assert.Equal(first.Labels, again.Labels);
            Assert.Equal(first.Marginals.Select(BitConverter.SingleToInt32Bits), again.Marginals.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
