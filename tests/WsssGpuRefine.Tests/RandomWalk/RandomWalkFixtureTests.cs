using WsssGpuRefine.Core;
using WsssGpuRefine.RandomWalk;
using static WsssGpuRefine.Tests.RandomWalk.NpyTestReader;

namespace WsssGpuRefine.Tests.RandomWalk;

/// <summary>Against Fixtures/rw/make_rw_fixture.py: the references' dense float32 torch recipes.</summary>
public class RandomWalkFixtureTests
{
    [Theory]
    [InlineData("irn")]
    [InlineData("advcam")]
    public void IrnRecipeMatchesTorchReference(string name)
    {
        var (boundary, bShape) = ReadFloat32($"{name}_boundary.npy");
        var (cam, cShape) = ReadFloat32($"{name}_cam.npy");
        var (keys, _) = ReadInt64($"{name}_keys.npy");
        var (param, _) = ReadInt64($"{name}_params.npy");
        var (power, _) = ReadFloat32($"{name}_cam_power.npy");
        var (expectedLabels, _) = ReadInt64($"{name}_labels.npy");
        var (expectedScores, _) = ReadFloat32($"{name}_scores.npy");
        int height = (int)param[0], width = (int)param[1];

        var affinity = BoundaryAffinity.FromBoundary(boundary, bShape[0], bShape[1]);
        var maps = new ClassMaps(keys.Select(k => (int)k + 1).ToArray(), cShape[1], cShape[2], cam);
        var options = RandomWalkOptions.Irn with { Beta = param[2], ExpTimes = (int)param[3], CamPower = power[0] };
        var result = RandomWalker.Refine(maps, affinity, height, width, options);

        Assert.Equal(maps.LabelIds, result.Scores.LabelIds);
        AssertScoresClose(expectedScores, result.Scores.Data);
        var stack = Enumerable.Range(0, keys.Length).Select(c => expectedScores.AsSpan(c * height * width, height * width).ToArray()).ToArray();
        AssertLabelsEqualExceptNearTies(expectedLabels, result.Labels, stack, 0.25f);
    }

    [Fact]
    public void AffinityNetRecipeMatchesTorchReference()
    {
        var (features, fShape) = ReadFloat32("psa_features.npy");
        var (cam, cShape) = ReadFloat32("psa_cam.npy");
        var (keys, _) = ReadInt64("psa_keys.npy");
        var (param, _) = ReadInt64("psa_params.npy");
        var (expectedLabels, _) = ReadInt64("psa_labels.npy");
        var (expectedScores, _) = ReadFloat32("psa_scores.npy");
        int height = (int)param[0], width = (int)param[1];

        var affinity = FeatureAffinity.FromFeatures(features, fShape[0], fShape[1], fShape[2]);
        var maps = new ClassMaps(keys.Select(k => (int)k + 1).ToArray(), cShape[1], cShape[2], cam);
        var options = RandomWalkOptions.Preset("psa") with { BackgroundAlpha = param[2], Beta = param[3], ExpTimes = (int)param[4] };
        var result = RandomWalker.Refine(maps, affinity, height, width, options);

        Assert.Equal(new[] { 0 }.Concat(maps.LabelIds), result.Scores.LabelIds);
        AssertScoresClose(expectedScores, result.Scores.Data);
        int n = height * width;
        var stack = Enumerable.Range(0, keys.Length + 1).Select(c => expectedScores.AsSpan(c * n, n).ToArray()).ToArray();
        AssertLabelsEqualExceptNearTies(expectedLabels, result.Labels, stack, null);
    }

    private static void AssertScoresClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= 1e-4, $"max abs score difference {worst:E3}");
    }

    /// <summary>Labels must agree wherever the reference's best two candidates differ by more than 1e-5.</summary>
    private static void AssertLabelsEqualExceptNearTies(long[] expected, LabelMap actual, float[][] referenceScores,
        float? threshold)
    {
        int pixels = actual.PixelCount, compared = 0;
        var distinct = new HashSet<long>();
        for (int p = 0; p < pixels; p++)
        {
            var candidates = referenceScores.Select(s => s[p]).ToList();
            if (threshold is float t) candidates.Add(t);
            var top = candidates.OrderDescending().Take(2).ToArray();
            if (top[0] - top[1] <= 1e-5f) continue;
            Assert.Equal(expected[p], actual.Labels[p]);
            distinct.Add(expected[p]);
            compared++;
        }
        Assert.True(compared > pixels * 9 / 10, $"only {compared} of {pixels} pixels are decided");
        Assert.True(distinct.Count >= 2, "the fixture should exercise more than one label");
    }
}
