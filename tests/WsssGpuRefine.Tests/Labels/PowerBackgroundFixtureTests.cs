using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Tests.Cli;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Labels;

/// <summary>
/// PSA's power background (1 − max)^α as numpy computes it (Fixtures/labels/make_power_background.py: cams, and per α
/// numpy's float32 background and argmax labels), bit for bit through every path that builds it.
/// </summary>
public class PowerBackgroundFixtureTests
{
    public static TheoryData<double> Alphas => new() { 4, 16, 24, 32, 2.5 };

    internal static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "labels", name);

    /// <summary>The fixture's CAMs as classes 1, 2, 3, so argmax index = VOC id.</summary>
    internal static ClassMaps Cams()
    {
        var a = NpyReader.ReadFloat32(Path("cams.npy"));
        return new ClassMaps([1, 2, 3], a.Shape[1], a.Shape[2], a.Data);
    }

    internal static string Name(double alpha) => alpha.ToString(System.Globalization.CultureInfo.InvariantCulture).Replace('.', 'p');

    internal static float[] NumpyBackground(double alpha) => NpyReader.ReadFloat32(Path($"bg_{Name(alpha)}.npy")).Data;

    internal static byte[] NumpyLabels(double alpha) =>
        [.. NpyReader.Read(Path($"labels_{Name(alpha)}.npy")).ToFloat32().Select(v => (byte)v)];

    private static void AssertBitIdentical(float[] expected, ReadOnlySpan<float> actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{context}: pixel {i}: numpy {expected[i]:R}, engine {actual[i]:R}");
    }

    [Theory]
    [MemberData(nameof(Alphas))]
    public void TheOneDefinitionIsNumpysPower(double alpha)
    {
        var cams = Cams();
        var rule = new BackgroundRule.Power(alpha);
        var expected = NumpyBackground(alpha);
        var perPixel = new float[cams.PixelCount];
        for (int p = 0; p < perPixel.Length; p++)
            perPixel[p] = rule.Score(Math.Max(Math.Max(cams.Data[p], cams.Data[cams.PixelCount + p]), cams.Data[2 * cams.PixelCount + p]));
        AssertBitIdentical(expected, perPixel, "BackgroundRule.Power.Score");
        AssertBitIdentical(expected, ScoreLabels.Stack(cams, rule).Channel(0), "ScoreLabels.Stack");
    }

    [Theory]
    [MemberData(nameof(Alphas))]
    public void EvalBgPowerLabelsAreNumpysArgmax(double alpha)
    {
        // wsss eval --bg-power: ThresholdLabeling on the CPU, single image and batch.
        var cams = Cams();
        var rule = new BackgroundRule.Power(alpha);
        Assert.Equal(NumpyLabels(alpha), ThresholdLabeling.Label(cams, rule).Labels);
        Assert.Equal(NumpyLabels(alpha), ThresholdLabeling.Label(CpuBackend.Shared, [cams], rule)[0].Labels);
    }

    [Theory]
    [MemberData(nameof(Alphas))]
    public void RefineBgPowerStackAndLabelsAreNumpys(double alpha)
    {
        // wsss refine --bg-power: the threshold step's stack (what --save-scores writes) and labels; the facade's stack.
        var cams = Cams();
        var output = new RecipeOptions { Rule = new BackgroundRule.Power(alpha) }.Build().Run(CpuBackend.Shared, new RecipeInput(cams));
        AssertBitIdentical(NumpyBackground(alpha), output.Scores!.Channel(0), "refine --bg-power");
        Assert.Equal(NumpyLabels(alpha), output.Labels.Labels);
        using var labeler = new PseudoLabeler(CpuBackend.Shared);
        AssertBitIdentical(NumpyBackground(alpha), labeler.PowerScores(cams, alpha).Channel(0), "PseudoLabeler.PowerScores");
    }

    [Theory]
    [MemberData(nameof(Alphas))]
    public void RefineJobWritesNumpysBackground(double alpha)
    {
        // The whole `wsss refine --bg-power A --save-scores` job on the fixture written as an IRN dump: the saved
        // background channel is numpy's, the PNG numpy's argmax.
        var cams = Cams();
        using var tmp = new TempDirectory();
        Directory.CreateDirectory(tmp.Combine("cams"));
        using (var dump = File.Create(tmp.Combine("cams", "x.npy")))
        {
            int gh = (cams.Height + 3) / 4, gw = (cams.Width + 3) / 4;
            SeedDumpWriter.WriteIrn(dump, [0, 1, 2], new float[3 * gh * gw], [3, gh, gw], cams.Data, [3, cams.Height, cams.Width]);
        }
        RefineJob.Run(CpuBackend.Shared, new RefineOptions
        {
            Ids = ["x"], CamsDirectory = tmp.Combine("cams"), OutputDirectory = tmp.Combine("out"),
            Rule = new BackgroundRule.Power(alpha), SaveScores = true,
        });
        var saved = NpyReader.ReadFloat32(tmp.Combine("out", "x.npy"));
        Assert.Equal([4, cams.Height, cams.Width], saved.Shape);
        AssertBitIdentical(NumpyBackground(alpha), saved.Data.AsSpan(0, cams.PixelCount), "refine --save-scores");
        Assert.Equal(NumpyLabels(alpha), LabelPngReader.Read(tmp.Combine("out", "x.png")).Labels);
    }

    [Theory]
    [MemberData(nameof(Alphas))]
    public void AffinityNetWalkStackIsNumpys(double alpha)
    {
        // --rw with --bg-power A: the AffinityNet recipe with α = A, its full-resolution stack (PSA infer_aff.py).
        var cams = Cams();
        var recipe = new RecipeOptions
        {
            Rule = new BackgroundRule.Power(alpha),
            RandomWalkAffinity = RandomWalkStep.ImageAffinity,
        }.Build();
        var walk = Assert.IsType<RandomWalkStep>(Assert.Single(recipe.Steps)).Options;
        Assert.Equal(RandomWalkRecipe.AffinityNet, walk.Recipe);
        var (stack, ids) = RandomWalker.AffinityNetStack(cams, walk.BackgroundAlpha);
        Assert.Equal([0, 1, 2, 3], ids);
        AssertBitIdentical(NumpyBackground(alpha), stack.AsSpan(0, cams.PixelCount), "AffinityNet stack");
    }

    [Fact]
    public void LaHaCrfsRunOnNumpysStacks()
    {
        // --la-ha 4,32: both CRFs must see exactly numpy's [bg; cams]: the same CRF of the fixture's stacks gives
        // bit-identical marginals.
        var cams = Cams();
        var rng = new Random(5);
        var pixels = new byte[cams.PixelCount * 3];
        rng.NextBytes(pixels);
        var image = new RgbImage(cams.Height, cams.Width, pixels);
        var options = new PsaLaHaOptions { AlphaLow = 4, AlphaHigh = 32 };
        var result = PsaLaHaRecipe.Run(CpuBackend.Shared, image, cams, options);

        ClassMaps NumpyStack(double alpha) => new([0, 1, 2, 3], cams.Height, cams.Width, [.. NumpyBackground(alpha), .. cams.Data]);
        var expected = DenseCrf.Prepare(CpuBackend.Shared, image, options.Crf).InferAll([
            CrfUnary.FromMaps(NumpyStack(4), options.Crf),
            CrfUnary.FromMaps(NumpyStack(32), options.Crf),
        ]);
        AssertBitIdentical(expected[0].Marginals, result.La.Marginals, "la CRF");
        AssertBitIdentical(expected[1].Marginals, result.Ha.Marginals, "ha CRF");
    }

    [Fact]
    public void TheFixtureTellsPowfFromSquareAndMultiply()
    {
        // The divergence this fixture guards against: (1 - m)^4 by square-and-multiply in float32 (what the
        // thresholding path did) differs from numpy's powf in the background and in at least one label.
        var cams = Cams();
        var bg = NumpyBackground(4);
        var labels = NumpyLabels(4);
        int n = cams.PixelCount, backgrounds = 0, labelsDiffer = 0;
        for (int p = 0; p < n; p++)
        {
            float m = Math.Max(Math.Max(cams.Data[p], cams.Data[n + p]), cams.Data[2 * n + p]);
            float b = 1f - m, b2 = b * b, squared = b2 * b2;
            if (squared != bg[p]) backgrounds++;
            if ((m > squared) != (labels[p] != 0)) labelsDiffer++;
        }
        Assert.True(backgrounds > n / 10, $"{backgrounds} of {n} backgrounds differ");
        Assert.True(labelsDiffer >= 1);
    }
}

/// <summary>The Vulkan power-background kernel (host-decided near-ties) against numpy's labels.</summary>
[Collection(VulkanCollection.Name)]
public sealed class PowerBackgroundVulkanFixtureTests(VulkanFixture fixture)
{
    [VulkanFact]
    public void VulkanLabelsAreNumpysArgmax()
    {
        var cams = PowerBackgroundFixtureTests.Cams();
        foreach (double alpha in new[] { 4, 16, 24, 32, 2.5 })
            foreach (var vk in fixture.All)
                Assert.Equal(PowerBackgroundFixtureTests.NumpyLabels(alpha),
                    ThresholdLabeling.Label(vk, [cams], new BackgroundRule.Power(alpha))[0].Labels);
    }
}
