using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

public class CrfParametersTests
{
    [Theory]
    [InlineData("psa", 3f, 3f, 80f, 13f, 10f, CrfUnaryKind.Scores)]
    [InlineData("irn", 3f, 3f, 50f, 5f, 10f, CrfUnaryKind.Labels)]
    [InlineData("bes", 3f, 3f, 20f, 5f, 10f, CrfUnaryKind.Labels)]
    [InlineData("rrm-infer", 3f, 3f, 83f, 5f, 4f, CrfUnaryKind.Softmax)]
    [InlineData("wsgcn-partial", 4f, 3f, 20f, 3f, 10f, CrfUnaryKind.Scores)]
    [InlineData("wsgcn-final", 3f, 3f, 50f, 5f, 3f, CrfUnaryKind.Softmax)]
    [InlineData("vwe", 1f, 3f, 64f, 3f, 4f, CrfUnaryKind.Softmax)]
    [InlineData("deeplab", 1f, 3f, 67f, 3f, 4f, CrfUnaryKind.Softmax)]
    [InlineData("icd", 3f, 3f, 80f, 13f, 10f, CrfUnaryKind.IcdSeeds)]
    public void PresetsFollowTheSpecTable(string name, float gSxy, float gCompat, float bSxy, float bSrgb, float bCompat, CrfUnaryKind unary)
    {
        var p = CrfParameters.Preset(name);
        Assert.Equal(name, p.Name);
        Assert.Equal((gSxy, gCompat, bSxy, bSrgb, bCompat, unary, 10),
            (p.GaussianSxy, p.GaussianCompat, p.BilateralSxy, p.BilateralSrgb, p.BilateralCompat, p.Unary, p.Iterations));
    }

    [Fact]
    public void LabelPresetsUseGtProbAndIcdItsRule()
    {
        Assert.Equal(0.7f, CrfParameters.Preset("irn").GtProb);
        Assert.Equal(0.7f, CrfParameters.Preset("bes").GtProb);
        Assert.Equal(0.5f, CrfParameters.Preset("icd").GtProb);
        Assert.Equal(0.1f, CrfParameters.Preset("icd").UnsureBelow);
        Assert.Null(CrfParameters.Preset("psa").UnsureBelow);
    }

    [Theory]
    [InlineData("seam", "psa")] [InlineData("sccam", "psa")] [InlineData("ssdd", "psa")]
    [InlineData("puzzlecam", "irn")] [InlineData("advcam", "irn")] [InlineData("conta", "irn")]
    [InlineData("rpnet", "irn")] [InlineData("cda", "irn")]
    [InlineData("rrm", "rrm-infer")] [InlineData("wsgcn", "wsgcn-final")] [InlineData("IRN", "irn")]
    public void MethodAliasesMapToPresets(string alias, string preset) =>
        Assert.Equal(CrfParameters.Preset(preset), CrfParameters.Preset(alias));

    [Fact]
    public void UnknownPresetNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => CrfParameters.Preset("nope"));
        Assert.Contains("wsgcn-partial", e.Message);
    }

    [Fact]
    public void ExplicitParamsParse()
    {
        var p = CrfParameters.Parse("gauss=3,3;bilateral=50,5,10;iters=10;unary=labels:0.7");
        Assert.Equal(CrfParameters.Preset("irn") with { Name = "custom" }, p);
        var q = CrfParameters.Parse(" preset=irn ; iters=1 ");
        Assert.Equal(1, q.Iterations);
        Assert.Equal(50f, q.BilateralSxy);
        Assert.Equal("custom", q.Name);
        Assert.Equal("irn", CrfParameters.Parse("preset=puzzlecam").Name);
        var r = CrfParameters.Parse("gauss=off;bilateral=64,3,4;unary=softmax;unsure=0.2");
        Assert.False(r.HasGaussian);
        Assert.Equal((64f, 3f, 4f), (r.BilateralSxy, r.BilateralSrgb, r.BilateralCompat));
        Assert.Equal(CrfUnaryKind.Softmax, r.Unary);
        Assert.Equal(0.2f, r.UnsureBelow);
        Assert.Equal(CrfUnaryKind.IcdSeeds, CrfParameters.Parse("unary=icd:0.5").Unary);
    }

    [Theory]
    [InlineData("psa")] [InlineData("irn")] [InlineData("icd")] [InlineData("vwe")]
    public void TextFormRoundTrips(string preset)
    {
        var p = CrfParameters.Preset(preset);
        Assert.Equal(p, CrfParameters.Parse(p.ToString()));
        var custom = p with { Iterations = 3, BilateralSrgb = 7.5f, Name = "custom" };
        Assert.Equal(custom, CrfParameters.Parse(custom.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("gauss=3")]
    [InlineData("gauss=3,x")]
    [InlineData("bilateral=50,5")]
    [InlineData("iters=-1")]
    [InlineData("iters=2.5")]
    [InlineData("unary=labels:1.2")]
    [InlineData("unary=magic")]
    [InlineData("colour=3")]
    [InlineData("gauss=0,3")]
    [InlineData("bilateral=50,-5,10")]
    [InlineData("justtext")]
    public void BadParamsAreArgumentErrors(string text) =>
        Assert.ThrowsAny<ArgumentException>(() => CrfParameters.Parse(text));

    [Fact]
    public void PropertiesAreValidated()
    {
        var p = CrfParameters.Preset("psa");
        Assert.Throws<ArgumentException>(() => p with { GaussianSxy = 0 });
        Assert.Throws<ArgumentException>(() => p with { BilateralCompat = float.NaN });
        Assert.Throws<ArgumentException>(() => p with { GtProb = 1 });
        Assert.Throws<ArgumentException>(() => p with { UnsureBelow = 2 });
        Assert.Throws<ArgumentException>(() => p with { Iterations = -1 });
    }
}
