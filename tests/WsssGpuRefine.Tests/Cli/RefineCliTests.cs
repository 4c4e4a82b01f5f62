using System.Text.Json;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Cli;

public class RefineCliTests
{
    private static SyntheticSampleLayout Sample(TempDirectory tmp, int images = 4) =>
        SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = images }));

    [Fact]
    public void Threshold_stage_writes_palette_pngs_scores_and_the_score_of_what_it_wrote()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        string output = tmp.Combine("out"), json = tmp.Combine("score.json");
        var r = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--threshold", "0.15",
            "--save-scores", "--gt", layout.GroundTruth, "--json", json, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.StdErr);

        var ids = File.ReadAllLines(layout.List);
        foreach (string id in ids)
        {
            string png = Path.Combine(output, id + ".png");
            // colour type 3 (palette) in the IHDR chunk: PIL opens it as mode P
            Assert.Equal(3, File.ReadAllBytes(png)[25]);
            var labels = LabelPngReader.Read(png);
            var dump = DatasetInputs.ReadDump(DatasetInputs.CamPath(layout.IrnCams, id), null, null, labels.Height, labels.Width);
            Assert.Equal(ThresholdLabeling.Label(dump.HighRes, new BackgroundRule.Constant(0.15)).Labels, labels.Labels);
            var scores = NpyReader.Read(Path.Combine(output, id + ".npy"));
            Assert.Equal(new[] { dump.HighRes.Channels + 1, labels.Height, labels.Width }, scores.Shape);
            Assert.All(scores.ToFloat32().Take(labels.PixelCount), v => Assert.Equal(0.15f, v));
        }
        var eval = EvalJob.Run(CpuBackend.Shared, new EvalOptions
        {
            GroundTruthDirectory = layout.GroundTruth, Ids = ids, LabelsDirectory = output,
        });
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(eval.MeanIou, doc.RootElement.GetProperty("miou").GetDouble(), 12);
        Assert.True(File.Exists(Path.Combine(output, "wsss-run.json")));
    }

    [Fact]
    public void Keep_going_skips_a_corrupt_dump_and_writes_the_others()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        var ids = File.ReadAllLines(layout.List);
        File.WriteAllBytes(DatasetInputs.CamPath(layout.IrnCams, ids[1]), [0x93, (byte)'N', (byte)'U']);
        string output = tmp.Combine("out");
        var r = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--threshold", "0.15", "--keep-going", "--backend", "cpu");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(r.ErrorLines, l => l.StartsWith("error: ") && l.Contains(ids[1] + ".npy"));
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.Equal(ids.Length - 1, Directory.GetFiles(output, "*.png").Length);
        Assert.False(File.Exists(Path.Combine(output, ids[1] + ".png")));
    }

    [Fact]
    public void Conflicting_stages_are_refused_with_one_line()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp, images: 1);
        var r = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", tmp.Combine("o"),
            "--threshold", "0.15", "--ir-label", "0.3,0.05", "--images", layout.Images);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("error: give one of --threshold, --bg-power, --ir-label, --la-ha and --icd-seeds", Assert.Single(r.ErrorLines, l => !l.StartsWith("info:")));
    }
}
