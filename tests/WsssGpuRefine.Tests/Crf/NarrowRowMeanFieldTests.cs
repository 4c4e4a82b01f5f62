using System.Runtime.Intrinsics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// CRFs of up to 2 labels (the usual VOC image: background and one class) take narrower rows on the CPU: two of them
/// share one 4-float row, and one alone keeps 2-float vertex rows; two CRFs of up to 4 labels take two pixels per
/// 512-bit softmax where the CPU has one. Each must give, bit for bit, what the mean field gives with every CRF in its
/// own −∞-padded 4-float row (<see cref="PaddedMeanField"/>, written here from the documented order of operations).
/// </summary>
public class NarrowRowMeanFieldTests
{
    public static TheoryData<int, string, int> Cases => new()
    {
        // threads, CRF preset (irn: Gaussian + bilateral, the written-out pass; ...), odd image side (a last lone pixel)
        { 1, "irn", 37 }, { 2, "irn", 101 }, { 1, "bilateral-only", 37 }, { 2, "gaussian-only", 99 }, { 1, "irn", 3 },
    };

    private static CrfParameters Parameters(string name) => name switch
    {
        "bilateral-only" => CrfParameters.Preset("irn") with { GaussianCompat = 0 },
        "gaussian-only" => CrfParameters.Preset("irn") with { BilateralCompat = 0 },
        _ => CrfParameters.Preset(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void NarrowAndPairedRowsEqualPaddedRowsBitForBit(int threads, string preset, int size)
    {
        var backend = new CpuBackend(threads);
        var p = Parameters(preset);
        var (image, _) = CrfScenes.Bands(size, size + 2, 2, seed: size, colourNoise: 8);
        var prepared = DenseCrf.Prepare(backend, image, p);
        int h = image.Height, w = image.Width;
        // Alone: 1 and 2 labels (narrow vertex rows). Paired: 2+2, 1+2, 2+1 (one 4-float row), 3+3 and 4+4 (8 floats).
        CrfUnary[][] groups = [
            [CrfScenes.RandomUnary(2, h, w, 1)], [CrfScenes.RandomUnary(1, h, w, 2)],
            [CrfScenes.RandomUnary(2, h, w, 3), CrfScenes.RandomUnary(2, h, w, 4)], [CrfScenes.RandomUnary(1, h, w, 5), CrfScenes.RandomUnary(2, h, w, 6)],
            [CrfScenes.RandomUnary(2, h, w, 7), CrfScenes.RandomUnary(1, h, w, 8)],
            [CrfScenes.RandomUnary(3, h, w, 9), CrfScenes.RandomUnary(3, h, w, 10)], [CrfScenes.RandomUnary(4, h, w, 11), CrfScenes.RandomUnary(4, h, w, 12)],
        ];
        foreach (var group in groups)
        {
            var actual = prepared.InferAll(group);
            for (int u = 0; u < group.Length; u++)
            {
                var expected = PaddedMeanField.Run(prepared, group[u], backend.ParallelOptions);
                string what = $"{group[u].LabelCount} labels, CRF {u + 1} of {group.Length}";
                Assert.True(expected.Marginals.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual[u].Marginals.Select(BitConverter.SingleToInt32Bits)),
                    $"marginals differ: {what}");
                Assert.Equal(expected.Labels, actual[u].Labels);
            }
        }
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 4)]
    public void PairsOfFourLabelsGiveTheSameBitsWithAndWithout512BitVectors(int threads, int labels)
    {
        // Where the CPU has fast 512-bit vectors, two pixels' four softmaxes share one; elsewhere one pixel at a time.
        // Both paths run here (the second on any x86-64), and both equal the padded reference.
        var backend = new CpuBackend(threads);
        var p = CrfParameters.Preset("irn");
        var (image, _) = CrfScenes.Bands(61, 67, 3, seed: labels, colourNoise: 12);
        var prepared = DenseCrf.Prepare(backend, image, p);
        CrfUnary[] pair = [CrfScenes.RandomUnary(labels, image.Height, image.Width, 20), CrfScenes.RandomUnary(labels, image.Height, image.Width, 21)];
        var kernels = new List<(CrfKernel, float)> { (prepared.Gaussian!, p.GaussianCompat), (prepared.Bilateral!, p.BilateralCompat) };
        var wide = MeanFieldCpu.RunAll(pair, kernels, p.Iterations, p.UnsureBelow, backend.ParallelOptions, vector512: true);
        var narrow = MeanFieldCpu.RunAll(pair, kernels, p.Iterations, p.UnsureBelow, backend.ParallelOptions, vector512: false);
        for (int u = 0; u < 2; u++)
        {
            var expected = PaddedMeanField.Run(prepared, pair[u], backend.ParallelOptions);
            Assert.True(expected.Marginals.Select(BitConverter.SingleToInt32Bits).SequenceEqual(wide[u].Marginals.Select(BitConverter.SingleToInt32Bits)), "512-bit path");
            Assert.True(expected.Marginals.Select(BitConverter.SingleToInt32Bits).SequenceEqual(narrow[u].Marginals.Select(BitConverter.SingleToInt32Bits)), "256-bit path");
            Assert.Equal(expected.Labels, narrow[u].Labels);
        }
    }

    [Fact]
    public void TwoFloatVertexRowsSumAcrossPixelChunksLikeWideRows()
    {
        // ReducePartials on 2-float rows, on two threads: a vertex range that ends 2 floats past a multiple of 4 goes
        // one float at a time at its end. Every vertex gets its partials' sum in chunk order, and the partials are cleared.
        var parallel = new CpuBackend(2).ParallelOptions;
        var (image, _) = CrfScenes.Bands(120, 161, 3, seed: 1, colourNoise: 40);
        var lattice = PermutohedralLattice.Build(LatticeFeatures.Of(image, 5, 5f, 3f), 5, parallel);
        int m = lattice.VertexCount;
        Assert.True(m > 8192 && m % 2 == 1, $"{m} vertices: want an odd count over two vertex chunks");
        var rng = new Random(3);
        var partials = new float[3][];
        for (int t = 0; t < 3; t++)
        {
            partials[t] = new float[(m + 1) * 2];
            for (int k = 0; k < m * 2; k++) partials[t][k] = (float)rng.NextDouble();
        }
        var expected = new float[(m + 1) * 2];
        for (int k = 0; k < expected.Length; k++) expected[k] = partials[0][k] + partials[1][k] + partials[2][k];
        var values = new float[(m + 1) * 2];
        lattice.ReducePartials(partials, values, 2, parallel);
        for (int k = 0; k < m * 2; k++) Assert.Equal(BitConverter.SingleToInt32Bits(expected[k]), BitConverter.SingleToInt32Bits(values[k]));
        Assert.All(partials, b => Assert.All(b, x => Assert.Equal(0f, x)));
    }
}

/// <summary>
/// The CPU mean field with one CRF per −∞-padded 4-float row (up to 4 labels), in MeanFieldCpu's documented order:
/// row = −U; row += (compat·slice weight)·blurred, corner by corner, kernel by kernel; the 4-lane softmax (maximum, the
/// exp of the differences, their sum in Vector128.Sum's order, the quotient); the new Q splatted pixel by pixel into one
/// partial per pixel chunk, the chunks summed in order, then the [0.5, 1, 0.5] blur along each axis.
/// </summary>
internal static class PaddedMeanField
{
    public static CrfResult Run(CrfImage image, CrfUnary unary, ParallelOptions parallel)
    {
        if (unary.LabelCount > 4) throw new ArgumentException("at most 4 labels", nameof(unary));
        int n = unary.LabelCount, px = unary.PixelCount;
        var kernels = new List<(CrfKernel Kernel, float Compat)>();
        if (image.Gaussian is { } g) kernels.Add((g, image.Parameters.GaussianCompat));
        if (image.Bilateral is { } b) kernels.Add((b, image.Parameters.BilateralCompat));
        var negU = new float[px * 4];
        for (int i = 0; i < px; i++)
            for (int l = 0; l < 4; l++) negU[i * 4 + l] = l < n ? -unary.Energies[l * px + i] : float.NegativeInfinity;
        int chunks = PermutohedralLattice.PixelChunkCount(px, parallel);
        var q = new float[px * 4];
        var blurred = new float[kernels.Count][];
        for (int pass = 0; pass <= image.Parameters.Iterations; pass++)
        {
            for (int i = 0; i < px; i++)
            {
                var row = Vector128.Create(negU[i * 4], negU[i * 4 + 1], negU[i * 4 + 2], negU[i * 4 + 3]);
                if (pass > 0)
                    for (int k = 0; k < kernels.Count; k++)
                    {
                        var (kernel, compat) = kernels[k];
                        int d1 = kernel.Lattice.Dimension + 1;
                        for (int r = 0; r < d1; r++)
                        {
                            int o = kernel.Lattice.Offsets[i * d1 + r];
                            var v = Vector128.Create(blurred[k][o * 4], blurred[k][o * 4 + 1], blurred[k][o * 4 + 2], blurred[k][o * 4 + 3]);
                            row += Vector128.Create(compat * kernel.SliceWeights[i * d1 + r]) * v;
                        }
                    }
                float max = Math.Max(Math.Max(row[0], row[1]), Math.Max(row[2], row[3]));
                var e = FastExp.Exp(row - Vector128.Create(max));
                (e / Vector128.Create(Vector128.Sum(e))).CopyTo(q, i * 4);
            }
            if (pass == image.Parameters.Iterations) break;
            for (int k = 0; k < kernels.Count; k++)
            {
                var lattice = kernels[k].Kernel.Lattice;
                int m = lattice.VertexCount, d1 = lattice.Dimension + 1;
                var values = new float[(m + 1) * 4];
                for (int c = 0; c < chunks; c++)
                {
                    var partial = new float[(m + 1) * 4];
                    var (start, end) = PermutohedralLattice.PixelChunk(px, chunks, c);
                    for (int i = start; i < end; i++)
                        for (int r = 0; r < d1; r++)
                        {
                            int o = lattice.Offsets[i * d1 + r];
                            float wt = kernels[k].Kernel.SplatWeights[i * d1 + r];
                            for (int l = 0; l < 4; l++) partial[o * 4 + l] += wt * q[i * 4 + l];
                        }
                    for (int x = 0; x < values.Length; x++) values[x] = c == 0 ? partial[x] : values[x] + partial[x];
                }
                var src = values;
                for (int j = 0; j < d1; j++)
                {
                    var dst = new float[(m + 1) * 4];
                    for (int v = 0; v < m; v++)
                    {
                        int n1 = lattice.BlurNeighbors[(j * m + v) * 2], n2 = lattice.BlurNeighbors[(j * m + v) * 2 + 1];
                        for (int l = 0; l < 4; l++) dst[v * 4 + l] = src[v * 4 + l] + 0.5f * (src[n1 * 4 + l] + src[n2 * 4 + l]);
                    }
                    src = dst;
                }
                blurred[k] = src;
            }
        }
        var marginals = new float[n * px];
        var labels = new byte[px];
        for (int i = 0; i < px; i++)
        {
            int best = 0;
            for (int l = 0; l < n; l++)
            {
                marginals[l * px + i] = q[i * 4 + l];
                if (q[i * 4 + l] > q[i * 4 + best]) best = l;
            }
            labels[i] = (byte)best;
        }
        return new CrfResult(n, unary.Height, unary.Width, marginals, labels);
    }
}
