using System.Text.Json;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>The method steps through <c>wsss refine</c> / <c>wsss eval</c> on the synthetic sample (docs/methods.md).</summary>
public class MethodRuleCliTests
{
    private static SyntheticSampleLayout Sample(TempDirectory tmp, int images = 1) =>
        SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = images }));

    private static RefineResult Refine(TempDirectory tmp, SyntheticSampleLayout layout, params string[] flags)
    {
        string output = tmp.Combine("out" + Guid.NewGuid().ToString("N")[..6]);
        var r = WsssProcess.Run(["refine", "--cams", layout.IrnCams, "--images", layout.Images, "--list", layout.List, "--out", output, "--backend", "cpu", .. flags]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        string id = File.ReadAllLines(layout.List)[0];
        var gt = LabelPngReader.Read(Path.Combine(layout.GroundTruth, id + ".png"));
        return new RefineResult(LabelPngReader.Read(Path.Combine(output, id + ".png")), gt.Height, gt.Width);
    }

    private sealed record RefineResult(Core.LabelMap Labels, int ImageHeight, int ImageWidth);

    [Fact]
    public void Reliable_regions_rrm_and_wsgcn_write_image_size_labels_with_unreliable_pixels_ignored()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        foreach (string method in new[] { "rrm", "wsgcn" })
        {
            var result = Refine(tmp, layout, "--reliable-regions", method);
            Assert.Equal((result.ImageHeight, result.ImageWidth), (result.Labels.Height, result.Labels.Width));
            Assert.Contains(result.Labels.Labels, b => b == 255);
            Assert.Contains(result.Labels.Labels, b => b != 255);
        }
    }

    [Fact]
    public void Bes_boundary_writes_bess_five_values()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        var result = Refine(tmp, layout, "--bes-boundary");
        Assert.Equal((result.ImageHeight, result.ImageWidth), (result.Labels.Height, result.Labels.Width));
        Assert.All(result.Labels.Labels, b => Assert.Contains(b, new byte[] { 0, 50, 100, 150, 200 }));
    }

    [Fact]
    public void La_ha_stride_8_writes_affinitynet_grid_labels()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        var result = Refine(tmp, layout, "--la-ha", "4,32", "--la-ha-stride", "8");
        Assert.Equal(((result.ImageHeight + 7) / 8, (result.ImageWidth + 7) / 8), (result.Labels.Height, result.Labels.Width));
    }

    [Fact]
    public void Eval_over_under_prints_and_writes_new_keys_only_with_a_sweep()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp, images: 3);
        string json = tmp.Combine("e.json");
        var r = WsssProcess.Run("eval", "--cams", layout.IrnCams, "--gt", layout.GroundTruth, "--list", layout.List,
            "--sweep", "0.05:0.45:0.05", "--over-under", "--metric", "seam", "--json", json, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Over Th=", r.StdOut);
        Assert.Contains("Under Th=", r.StdOut);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var best = doc.RootElement.GetProperty("over_under").GetProperty("best");
        Assert.Equal(doc.RootElement.GetProperty("threshold").GetDouble(), best.GetProperty("threshold").GetDouble(), 9);
        Assert.Equal(doc.RootElement.GetProperty("miou").GetDouble() * 100, best.GetProperty("miou").GetDouble(), 6);

        var bad = WsssProcess.Run("eval", "--cams", layout.IrnCams, "--gt", layout.GroundTruth, "--list", layout.List,
            "--threshold", "0.15", "--over-under");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Equal("error: --over-under reports on a threshold sweep: it needs --sweep", Assert.Single(bad.ErrorLines, l => !l.StartsWith("info:")));
    }
}
