using WsssGpuRefine.Core;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Tests.RandomWalk;

public class RandomWalkInputTests
{
    private static ClassMaps Cam(int h, int w, params int[] ids) =>
        new(ids, h, w, RandomWalkPropagationTests.RandomMap(new Random(1), ids.Length * h * w));

    [Fact]
    public void BoundaryOfWrongSizeIsRejected()
    {
        var boundary = new float[9 * 10];
        var e = Assert.Throws<WsssInputException>(() => BoundaryAffinity.FromBoundary(boundary, 9, 11, file: "b.npy"));
        Assert.Equal("b.npy", e.File);
        var affinity = BoundaryAffinity.FromBoundary(boundary, 9, 10);
        var e2 = Assert.Throws<WsssInputException>(() =>
            RandomWalker.RefineIrn(Cam(9, 11, 1), affinity, 36, 44, RandomWalkOptions.Irn, file: "x.npy"));
        Assert.Contains("does not match", e2.Reason);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(1.5f)]
    [InlineData(-0.1f)]
    public void BadBoundaryValuesAreRejected(float bad)
    {
        var boundary = new float[20];
        boundary[7] = bad;
        Assert.Throws<WsssInputException>(() => BoundaryAffinity.FromBoundary(boundary, 4, 5));
    }

    [Fact]
    public void NaNInCamOrFeaturesOrMatrixIsRejected()
    {
        var affinity = BoundaryAffinity.FromBoundary(new float[9 * 11], 9, 11);
        var cam = Cam(9, 11, 2, 5);
        cam.Data[17] = float.NaN;
        Assert.Throws<WsssInputException>(() => RandomWalker.RefineIrn(cam, affinity, 36, 44, RandomWalkOptions.Irn));
        var features = new float[2 * 9 * 11];
        features[3] = float.PositiveInfinity;
        Assert.Throws<WsssInputException>(() => FeatureAffinity.FromFeatures(features, 2, 9, 11));
        var matrix = new float[16];
        matrix[5] = float.NaN;
        Assert.Throws<WsssInputException>(() => new DenseMatrixAffinity(matrix, 2, 2));
        Assert.Throws<WsssInputException>(() => new DenseMatrixAffinity(new float[15], 2, 2));
    }

    [Fact]
    public void GridThatDoesNotCoverTheImageIsRejected()
    {
        var affinity = BoundaryAffinity.FromBoundary(new float[9 * 11], 9, 11);
        // 9×11 at stride 4 covers 33..36 × 41..44 only.
        Assert.Throws<WsssInputException>(() => RandomWalker.RefineIrn(Cam(9, 11, 1), affinity, 37, 44, RandomWalkOptions.Irn));
        Assert.Throws<WsssInputException>(() => RandomWalker.RefineIrn(Cam(9, 11, 1), affinity, 32, 44, RandomWalkOptions.Irn));
    }

    [Fact]
    public void FullResolutionCamNeedsPoolingOption()
    {
        var affinity = BoundaryAffinity.FromBoundary(new float[9 * 11], 9, 11);
        var full = Cam(35, 42, 4);
        Assert.Throws<WsssInputException>(() => RandomWalker.RefineIrn(full, affinity, 35, 42, RandomWalkOptions.Irn));
        var result = RandomWalker.RefineIrn(full, affinity, 35, 42, RandomWalkOptions.Irn with { PoolFullResolutionCam = true });
        Assert.Equal((35, 42), (result.Labels.Height, result.Labels.Width));
    }

    [Fact]
    public void AffinityNetNeedsFullResolutionCamAndDistinctIds()
    {
        var affinity = FeatureAffinity.FromFeatures(new float[2 * 5 * 6], 2, 5, 6);
        var options = RandomWalkOptions.Preset("psa");
        Assert.Throws<WsssInputException>(() => RandomWalker.Refine(Cam(5, 6, 3), affinity, 40, 48, options));
        Assert.Throws<WsssInputException>(() => RandomWalker.Refine(Cam(40, 48, 3, 3), affinity, 40, 48, options));
        Assert.Throws<WsssInputException>(() => RandomWalker.Refine(Cam(40, 49, 3), affinity, 40, 49, options));
        var result = RandomWalker.Refine(Cam(37, 45, 3, 12), affinity, 37, 45, options);
        Assert.Equal(new[] { 0, 3, 12 }, result.Scores.LabelIds);
        Assert.All(result.Labels.Labels, l => Assert.Contains(l, new byte[] { 0, 3, 12 }));
    }

    [Fact]
    public void NegativeCamUnderFractionalPowerIsRejected()
    {
        var affinity = BoundaryAffinity.FromBoundary(new float[9 * 11], 9, 11);
        var cam = Cam(9, 11, 1);
        cam.Data[0] = -0.5f;
        Assert.Throws<WsssInputException>(() => RandomWalker.RefineIrn(cam, affinity, 36, 44, RandomWalkOptions.Preset("advcam")));
    }

    [Fact]
    public void GridSizeIsCeilOfImageOverStride()
    {
        Assert.Equal((94, 125), RandomWalker.GridSize(375, 500, 4));
        Assert.Equal((47, 63), RandomWalker.GridSize(375, 500, 8));
        Assert.Equal((1, 1), RandomWalker.GridSize(1, 1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomWalker.GridSize(10, 10, 0));
    }

    [Fact]
    public void OptionsValidateAndPresetsFollowTheSpec()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomWalkOptions { Beta = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomWalkOptions { ExpTimes = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomWalkOptions { Radius = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomWalkOptions { BackgroundThreshold = float.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomWalkOptions { Stride = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomWalkOptions { CamPower = -1 });
        Assert.Throws<ArgumentException>(() => RandomWalkOptions.Preset("nope"));

        var irn = RandomWalkOptions.Preset("IRN");
        Assert.Equal((10f, 8, 5, 0.25f, 4, 1f, 256), (irn.Beta, irn.ExpTimes, irn.Radius, irn.BackgroundThreshold, irn.Stride, irn.CamPower, irn.Steps));
        Assert.Equal(1.5f, RandomWalkOptions.Preset("advcam").CamPower);
        Assert.Equal(5f, RandomWalkOptions.Preset("bes").Beta);
        Assert.Equal(0.35f, RandomWalkOptions.Preset("puzzlecam-readme").BackgroundThreshold);
        var psa = RandomWalkOptions.Preset("psa");
        Assert.Equal((RandomWalkRecipe.AffinityNet, 16f, 8f, 8, 8), (psa.Recipe, psa.BackgroundAlpha, psa.Beta, psa.ExpTimes, psa.Stride));
        var seam = RandomWalkOptions.Preset("seam");
        Assert.Equal((6f, 8f, 6), (seam.BackgroundAlpha, seam.Beta, seam.ExpTimes));
    }
}
