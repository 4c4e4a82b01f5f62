using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using Xunit.Abstractions;

namespace WsssGpuRefine.Tests.Crf;

public class LatticeFilterTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(float.NaN, 0)]
    [InlineData(float.PositiveInfinity, 1)]
    [InlineData(float.NegativeInfinity, 4)]
    public void NonFiniteFeaturesAreRefusedWhicheverDimensionHoldsThem(float bad, int dimensionIndex)
    {
        var features = new float[5 * 7];
        for (int i = 0; i < features.Length; i++) features[i] = i % 11;
        features[3 * 5 + dimensionIndex] = bad;
        var error = Assert.Throws<ArgumentException>(() => PermutohedralLattice.Build(features, 5, CpuBackend.Shared.ParallelOptions));
        Assert.Contains("finite", error.Message);
    }

    [Fact]
    public void FeaturesTooLargeForTheKeysAreRefused()
    {
        // One pixel 6000 units out on the last dimension: its lattice coordinates would not fit 16 bits.
        var features = new float[5 * 4];
        features[2 * 5 + 4] = -6000f;
        var error = Assert.Throws<LatticeRangeException>(() => PermutohedralLattice.Build(features, 5, CpuBackend.Shared.ParallelOptions));
        Assert.Contains("16 bits", error.Message);
        features[2 * 5 + 4] = -600f;
        Assert.Equal(4, PermutohedralLattice.Build(features, 5, CpuBackend.Shared.ParallelOptions).PixelCount);
    }

    [Theory]
    [InlineData(3f, 0f, 0.08)]
    [InlineData(1f, 0f, 0.15)]
    [InlineData(80f, 13f, 0.12)]
    [InlineData(50f, 13f, 0.12)]
    [InlineData(30f, 10f, 0.12)]
    public void NormalisedFilterApproximatesExactGaussian(float sxy, float srgb, double tolerance)
    {
        // Colour noise small against srgb: the regime where the lattice is a fair Gaussian. With
        // srgb of a few levels the points are isolated in colour space and the lattice's weights
        // follow simplex membership rather than distance, as in pydensecrf itself.
        var (image, _) = CrfScenes.Bands(10, 12, 3, 7, colourNoise: 4);
        int n = 120;
        var features = srgb == 0
            ? CrfKernel.GaussianFeatures(10, 12, sxy)
            : CrfKernel.BilateralFeatures(image, sxy, srgb);
        int d = srgb == 0 ? 2 : 5;
        var lattice = PermutohedralLattice.Build(features, d, CpuBackend.Shared.ParallelOptions);
        var kernel = new CrfKernel(lattice, CpuBackend.Shared.ParallelOptions);
        var rng = new Random(3);
        var signal = new float[n];
        for (int i = 0; i < n; i++) signal[i] = (float)rng.NextDouble();
        var scaled = new float[n];
        for (int i = 0; i < n; i++) scaled[i] = signal[i] * kernel.Norm[i];
        var filtered = lattice.FilterScalar(scaled, CpuBackend.Shared.ParallelOptions);
        // exact
        var k = new double[n * n];
        var rowSum = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double d2 = 0;
                for (int c = 0; c < d; c++) { double t = features[i * d + c] - features[j * d + c]; d2 += t * t; }
                k[i * n + j] = Math.Exp(-0.5 * d2);
                rowSum[i] += k[i * n + j];
            }
        double maxRel = 0;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += k[i * n + j] * signal[j] / Math.Sqrt(rowSum[j]);
            s /= Math.Sqrt(rowSum[i]);
            double got = filtered[i] * kernel.Norm[i];
            maxRel = Math.Max(maxRel, Math.Abs(got - s) / s);
        }
        output.WriteLine($"sxy {sxy} srgb {srgb}: vertices {lattice.VertexCount}, max relative error {maxRel:F4}");
        Assert.True(maxRel < tolerance, $"max relative error {maxRel}");
    }
}
