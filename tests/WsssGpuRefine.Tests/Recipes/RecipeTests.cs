using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Recipes;

namespace WsssGpuRefine.Tests.Recipes;

public class RecipeTests
{
    [Fact]
    public void IrLabelCombineRule()
    {
        // F' fg wins; both bg → 0; F' bg but B' fg → 255; F' unsure stays 255.
        var f = new LabelMap(1, 6, [15, 15, 0, 0, 7, 255]);
        var b = new LabelMap(1, 6, [0, 15, 0, 15, 0, 0]);
        Assert.Equal([15, 15, 0, 255, 7, 255], IrLabelRecipe.Combine(f, b).Labels);
    }

    [Fact]
    public void ThresholdArgmaxTiesGoToBackgroundAndTheFirstClass()
    {
        var cams = new ClassMaps([3, 8], 1, 4, [0.30f, 0.5f, 0.2f, 0.7f, 0.1f, 0.5f, 0.6f, 0.7f]);
        Assert.Equal([0, 1, 2, 1], ScoreLabels.Indices(cams, new BackgroundRule.Constant(0.30f)).Labels);
    }

    [Fact]
    public void IrLabelOptionsPerMethod()
    {
        Assert.Equal((0.30f, 0.05f), Thresholds(IrLabelOptions.ForMethod("irn")));
        Assert.Equal((0.35f, 0.15f), Thresholds(IrLabelOptions.ForMethod("advcam")));
        Assert.Equal((0.30f, 0.07f), Thresholds(IrLabelOptions.ForMethod("bes")));
        Assert.Equal((0.30f, 0.05f), Thresholds(IrLabelOptions.ForMethod("puzzlecam")));
        Assert.Equal((0.40f, 0.10f), Thresholds(IrLabelOptions.Parse("0.40, 0.10")));
        Assert.Equal("irn", IrLabelOptions.ForMethod("conta").Crf.Name);
        Assert.Throws<ArgumentException>(() => IrLabelOptions.Parse("0.3"));
        Assert.Throws<ArgumentException>(() => IrLabelOptions.ForMethod("psa"));
        Assert.Throws<ArgumentException>(() => new IrLabelOptions { Crf = CrfParameters.Preset("psa") });
        static (float, float) Thresholds(IrLabelOptions o) => (o.FgThreshold, o.BgThreshold);
    }

    /// <summary>Left half: a red object with a strong CAM; then grey with a weak CAM; the right quarter blue with a faint one.</summary>
    private static (RgbImage, ClassMaps) ObjectScene(int h, int w, float strong, float weak, float faint)
    {
        var px = new byte[h * w * 3];
        var cam = new float[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                bool obj = x < w / 2, far = x >= 3 * w / 4;
                byte[] colour = obj ? [200, 30, 30] : far ? [40, 90, 220] : [120, 120, 120];
                px[p * 3] = colour[0]; px[p * 3 + 1] = colour[1]; px[p * 3 + 2] = colour[2];
                // The right quarter is faint (< t_bg: confident background), the third quarter weak.
                cam[p] = obj ? strong : x < 3 * w / 4 ? weak : faint;
            }
        return (new RgbImage(h, w, px), new ClassMaps([13], h, w, cam));
    }

    [Fact]
    public void IrLabelGivesForegroundBackgroundAndUnsureRegions()
    {
        var (image, cams) = ObjectScene(8, 16, 0.9f, 0.10f, 0.01f);
        var labels = IrLabelRecipe.Run(CpuBackend.Shared, image, cams, new IrLabelOptions()).Labels;
        // strong → F' = 13; weak (between t_bg and t_fg) → F' = 0, B' = 13 → 255; faint → 0.
        Assert.Equal(13, labels[3 * 16 + 2]);
        Assert.Equal(255, labels[3 * 16 + 10]);
        Assert.Equal(0, labels[3 * 16 + 15]);
        Assert.All(labels, l => Assert.Contains(l, new byte[] { 0, 13, 255 }));
    }

    [Fact]
    public void PowerBackgroundStack()
    {
        var cams = new ClassMaps([0, 5, 9], 1, 2, [9f, 9f, 0.5f, 0.2f, 0.25f, 1f]);
        var stack = ScoreLabels.Stack(cams, new BackgroundRule.Power(4));
        Assert.Equal([0, 5, 9], stack.LabelIds);
        Assert.Equal(0.0625f, stack.Data[0], 6);   // (1 − 0.5)^4, the stored bg channel ignored
        Assert.Equal(0f, stack.Data[1], 6);
        Assert.Equal([0.5f, 0.2f, 0.25f, 1f], stack.Data[2..]);
    }

    [Fact]
    public void LaHaRuleOnHandMadeMarginals()
    {
        // 4 pixels, labels (bg, 5, 9): la argmax = (1, 0, 2, 0); ha argmax = (1, 0, 0, 2).
        float[] la = [0.1f, 0.8f, 0.2f, 0.7f, /**/ 0.8f, 0.1f, 0.1f, 0.2f, /**/ 0.1f, 0.1f, 0.7f, 0.1f];
        float[] ha = [0.2f, 0.9f, 0.6f, 0.1f, /**/ 0.7f, 0.05f, 0.2f, 0.1f, /**/ 0.1f, 0.05f, 0.2f, 0.8f];
        var laResult = new CrfResult(3, 1, 4, la, [1, 0, 2, 0]);
        var haResult = new CrfResult(3, 1, 4, ha, [1, 0, 0, 2]);
        // fg kept; la bg & ha bg → 0; la fg & ha bg → 0; la bg & ha fg → 255.
        Assert.Equal([5, 0, 0, 255], PsaLaHaRecipe.Rule(laResult, haResult, [0, 5, 9]).Labels);
    }

    [Fact]
    public void LaHaRecipeOnAScene()
    {
        var (image, cams) = ObjectScene(8, 16, 0.9f, 0.3f, 0.01f);
        var result = PsaLaHaRecipe.Run(CpuBackend.Shared, image, cams, PsaLaHaOptions.ForMethod("psa"));
        Assert.Equal([0, 13], result.LabelIds);
        var labels = result.Labels.Labels;
        Assert.Equal(13, labels[3 * 16 + 2]);   // strong object
        Assert.Equal(0, labels[3 * 16 + 15]);   // faint: (1 − 0.01)^32 = 0.72 beats 0.01
        // weak 0.3: both stacks favour the class (0.7^4 = 0.24 and 0.7^32 ≈ 1e-5 are below 0.3) unless the
        // pairwise terms pull the grey band to the background in la, which the rule turns into 255.
        Assert.Contains(labels[3 * 16 + 10], new byte[] { 13, 255 });
        Assert.Equal(24f, PsaLaHaOptions.ForMethod("seam").AlphaHigh);
    }

    [Fact]
    public void CrfAfterRandomWalkPadsTheBackgroundAndMapsIds()
    {
        var (image, cams) = ObjectScene(8, 16, 0.9f, 0.1f, 0.01f);
        // Puzzle-CAM: pad the walk's scores with a constant 0.25, then the CRF (the threshold → crf recipe).
        var recipe = new RecipeOptions { Rule = new BackgroundRule.Constant(0.25f), Crf = CrfParameters.Preset("puzzlecam") }.Build();
        var labels = recipe.Run(CpuBackend.Shared, new RecipeInput(cams) { Image = image }).Labels.Labels;
        Assert.Equal(13, labels[3 * 16 + 2]);
        Assert.Equal(0, labels[3 * 16 + 12]);
        Assert.Throws<RecipeOptionsException>(() => new RecipeOptions { Crf = CrfParameters.Preset("irn") }.Build());
    }

    public static TheoryData<string> Operations => new() { "refine", "irlabel", "laha", "rw", "infer", "seeds" };

    [Theory]
    [MemberData(nameof(Operations))]
    public void ImageAndMapSizeMismatchIsAnInputError(string operation)
    {
        var image = new RgbImage(10, 12, new byte[10 * 12 * 3]);
        var cams = new ClassMaps([3], 10, 11, new float[110]);
        Action run = operation switch
        {
            "refine" => () => DenseCrf.Refine(CpuBackend.Shared, image, cams, CrfParameters.Preset("psa")),
            "irlabel" => () => IrLabelRecipe.Run(CpuBackend.Shared, image, cams, new IrLabelOptions()),
            "laha" => () => PsaLaHaRecipe.Run(CpuBackend.Shared, image, cams, new PsaLaHaOptions()),
            "rw" => () => new RecipeOptions { Rule = new BackgroundRule.Constant(0.25f), Crf = CrfParameters.Preset("irn") }.Build()
                .Run(CpuBackend.Shared, new RecipeInput(cams) { Image = image }),
            "infer" => () => DenseCrf.Prepare(CpuBackend.Shared, image, CrfParameters.Preset("psa")).Infer(CrfUnary.FromScores(cams)),
            _ => () => DenseCrf.RefineSeeds(CpuBackend.Shared, image, new LabelMap(9, 12), CrfParameters.Preset("icd")),
        };
        var e = Assert.Throws<WsssInputException>(run);
        Assert.Null(e.File);
        Assert.Contains("12x10", e.Reason);
    }

    [Fact]
    public void IcdSeedsRefine()
    {
        var (image, _) = ObjectScene(8, 16, 0.9f, 0.1f, 0.01f);
        var seeds = new byte[8 * 16];
        for (int i = 0; i < seeds.Length; i++) seeds[i] = (byte)(i % 16 < 6 ? 13 : i % 16 > 10 ? 0 : 255);
        var r = DenseCrf.RefineSeeds(CpuBackend.Shared, image, new LabelMap(8, 16, seeds), CrfParameters.Preset("icd"));
        Assert.Equal(21, r.LabelCount);
        Assert.Equal(13, r.Labels[2 * 16 + 2]);
        Assert.Equal(0, r.Labels[2 * 16 + 14]);
    }
}
