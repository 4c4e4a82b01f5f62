using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Recipes;

namespace WsssGpuRefine.Tests.Recipes;

/// <summary>
/// The method rules against numpy/torch/PIL renderings of their upstream code (Fixtures/methods/make_method_rules.py):
/// RRM's reliable regions, WSGCN's partial labels (rule, vote, nearest upsample, LANCZOS), PSA's stride-8 la/ha labels.
/// The la/ha CRF outputs are fixture inputs, so these test the rules exactly, without a CRF library.
/// </summary>
public class MethodRuleFixtureTests
{
    private static readonly int[] Ids = [3, 8, 15];

    private static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "methods", name);

    private static ClassMaps Cams()
    {
        var a = NpyReader.ReadFloat32(Path("cams.npy"));
        return new ClassMaps(Ids, a.Shape[1], a.Shape[2], a.Data);
    }

    /// <summary>A CRF result holding the fixture's probabilities, labels = first argmax.</summary>
    private static CrfResult Crf(string name)
    {
        var a = NpyReader.ReadFloat32(Path(name));
        var maps = new ClassMaps([0, .. Ids], a.Shape[1], a.Shape[2], a.Data);
        return new CrfResult(a.Shape[0], a.Shape[1], a.Shape[2], a.Data, CrfUnary.Argmax(maps).Labels);
    }

    private static byte[] Bytes(string name) => [.. NpyReader.Read(Path(name)).ToFloat32().Select(v => (byte)v)];

    [Fact]
    public void RrmReliableRegionsMatchNumpy()
    {
        var labels = ReliableRegionRecipe.Rule(Cams(), Crf("la.npy"), Crf("ha.npy"), ReliableRegionOptions.Rrm);
        var expected = Bytes("rrm.npy");
        Assert.Equal(expected, labels.Labels);
        // The fixture exercises every branch: background, each class, and unreliable pixels.
        Assert.Equal([0, 3, 8, 15, 255], expected.Distinct().Order().Select(b => (int)b));
    }

    [Fact]
    public void WsgcnPartialLabelsVoteAndUpsampleMatchTorch()
    {
        var cams = Cams();
        var la = Crf("la.npy");
        var ha = Crf("ha.npy");
        var rule = ReliableRegionRecipe.Rule(cams, la, ha, ReliableRegionOptions.Wsgcn);
        var vote = WsgcnPartialLabelStep.Vote(rule, ReliableRegionRecipe.Scores(la, ha, [0, .. Ids]));
        Assert.Equal(Bytes("wsgcn.npy"), vote.Labels);
        var up = PilResize.Nearest(vote, 4 * cams.Height - 3, 4 * cams.Width - 1);
        Assert.Equal(Bytes("wsgcn_up.npy"), up.Labels);
        // WSGCN's 70th percentile keeps fewer foreground pixels than RRM's 60th.
        Assert.True(vote.Labels.Count(b => b is not 0 and not 255) < Bytes("rrm.npy").Count(b => b is not 0 and not 255));
    }

    [Fact]
    public void PilLanczosResizeMatchesPillow()
    {
        var a = NpyReader.Read(Path("image.npy"));
        var image = new RgbImage(a.Shape[0], a.Shape[1], [.. a.ToFloat32().Select(v => (byte)v)]);
        var expected = NpyReader.Read(Path("lanczos.npy"));
        var resized = PilResize.Lanczos(image, expected.Shape[0], expected.Shape[1]);
        Assert.Equal(expected.ToFloat32().Select(v => (byte)v).ToArray(), resized.Pixels);
    }

    [Fact]
    public void AffinityNetStride8LabelsMatchPsaLoader()
    {
        var la = AffinityLabelStep.Pool(Crf("la.npy"), 8);
        var ha = AffinityLabelStep.Pool(Crf("ha.npy"), 8);
        Assert.Equal((5, 6), (la.Height, la.Width));
        Assert.Equal(Bytes("pooled.npy"), PsaLaHaRecipe.Rule(la, ha, [0, .. Ids]).Labels);
    }

    [Fact]
    public void BesBoundaryLabelsMatchTorch()
    {
        var conf = NpyReader.Read(Path("bes_conf.npy"));
        var labels = new LabelMap(conf.Shape[0], conf.Shape[1], Bytes("bes_conf.npy"));
        var expected = Bytes("bes_boundary.npy");
        Assert.Equal(expected, BesBoundaryLabelStep.Boundaries(labels, new BesBoundaryOptions()).Labels);
        Assert.Equal([0, 50, 100, 150, 200], expected.Distinct().Order().Select(b => (int)b));
    }

    [Fact]
    public void RecipeStepsRunTheRuleOnTheirOwnCrfs()
    {
        var cams = Cams();
        var rng = new Random(7);
        var pixels = new byte[cams.PixelCount * 3];
        rng.NextBytes(pixels);
        var image = new RgbImage(cams.Height, cams.Width, pixels);
        using var backend = new CpuBackend();
        var input = new RecipeInput(cams) { Image = image };

        var rrm = new RecipeOptions { ReliableRegions = ReliableRegionOptions.Rrm }.Build();
        Assert.IsType<ReliableRegionStep>(Assert.Single(rrm.Steps));
        var laHa = PsaLaHaRecipe.Run(backend, image, cams, new PsaLaHaOptions());
        var output = rrm.Run(backend, input);
        Assert.Equal(ReliableRegionRecipe.Rule(cams, laHa.La, laHa.Ha, ReliableRegionOptions.Rrm).Labels, output.Labels.Labels);

        var pooled = new RecipeOptions { LaHa = new PsaLaHaOptions(), LaHaStride = 8 }.Build().Run(backend, input);
        Assert.Equal((5, 6), (pooled.Labels.Height, pooled.Labels.Width));
    }

    [Fact]
    public void WsgcnStepNeedsStrideFourCams()
    {
        var cams = Cams();
        var image = new RgbImage(4 * cams.Height - 3, 4 * cams.Width - 1, new byte[(4 * cams.Height - 3) * (4 * cams.Width - 1) * 3]);
        using var backend = new CpuBackend();
        var recipe = new RecipeOptions { WsgcnPartialLabels = ReliableRegionOptions.Wsgcn }.Build();
        var e = Assert.Throws<WsssInputException>(() => recipe.Run(backend, new RecipeInput(cams) { Image = image }));
        Assert.Contains("stride-4", e.Message);
        var output = recipe.Run(backend, new RecipeInput(cams) { Image = image, StrideCams = cams });
        Assert.Equal((image.Height, image.Width), (output.Labels.Height, output.Labels.Width));
    }

    [Fact]
    public void OptionChecks()
    {
        var e = Assert.Throws<RecipeOptionsException>(() => new RecipeOptions { LaHaStride = 8, Rule = new WsssGpuRefine.Labels.BackgroundRule.Constant(0.2) }.Build());
        Assert.Equal(RecipeProblem.LaHaStride, e.Problem);
        e = Assert.Throws<RecipeOptionsException>(() => new RecipeOptions { ReliableRegions = ReliableRegionOptions.Rrm, LaHa = new PsaLaHaOptions() }.Build());
        Assert.Equal(RecipeProblem.TwoFirstSteps, e.Problem);
        Assert.Equal(0.3, ReliableRegionOptions.ForMethod("wsgcn").ConfidentRatio);
        Assert.Equal("wsgcn-partial", ReliableRegionOptions.ForMethod("WSGCN").LaHa.Crf.Name);
        Assert.Throws<ArgumentException>(() => ReliableRegionOptions.ForMethod("irn"));
    }
}
