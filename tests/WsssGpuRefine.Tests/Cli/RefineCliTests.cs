using System.Text.Json;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
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
    public void Kernel_widths_too_small_for_an_image_fail_that_image_by_name_and_keep_going_skips_it()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp, images: 3);
        var ids = File.ReadAllLines(layout.List);
        // Positions over sxy = 0.01: the Gaussian kernel's lattice coordinates reach about 520 per pixel of width, past
        // the 16-bit keys on every image of the sample, so every image fails, each by its own name.
        string output = tmp.Combine("out");
        var r = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--images", layout.Images, "--out", output,
            "--threshold", "0.15", "--crf-params", "gauss=0.01,3;bilateral=50,5,10;iters=2;unary=softmax", "--keep-going", "--backend", "cpu");
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("   at ", r.StdErr);
        foreach (string id in ids)
            Assert.Contains(r.ErrorLines, l => l == $"error: {Path.Combine(layout.Images, id + ".jpg")}: kernel widths too small for this image: " +
                "lattice coordinates would overflow 16 bits");
        Assert.Contains($"error: {ids.Length} item(s) failed (skipped with --keep-going)", r.ErrorLines);
        Assert.Empty(Directory.Exists(output) ? Directory.GetFiles(output, "*.png") : []);

        // Without --keep-going the first such image stops the run with the same one line.
        var stop = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--images", layout.Images, "--out", tmp.Combine("stop"),
            "--threshold", "0.15", "--crf-params", "gauss=0.01,3;bilateral=50,5,10;iters=2;unary=softmax", "--backend", "cpu");
        Assert.NotEqual(0, stop.ExitCode);
        Assert.Matches(@"^error: .*\.jpg: kernel widths too small for this image: lattice coordinates would overflow 16 bits$", Assert.Single(stop.ErrorLines, l => !l.StartsWith("info:")));
    }

    [Fact]
    public void Conflicting_stages_are_refused_with_one_line()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp, images: 1);
        var r = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", tmp.Combine("o"),
            "--threshold", "0.15", "--ir-label", "0.3,0.05", "--images", layout.Images);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("error: give one of --threshold, --bg-power, --ir-label, --la-ha, --reliable-regions, --bes-boundary and --icd-seeds", Assert.Single(r.ErrorLines, l => !l.StartsWith("info:")));
    }
}

public class IcdRefineCliTests
{
    [Fact]
    public void Icd_seeds_with_the_icd_crf_run_end_to_end_on_plain_stride8_dumps()
    {
        using var tmp = new TempDirectory();
        var items = SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 3 });
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), items);
        string cams = tmp.Combine("scores_cam"), icd = tmp.Combine("scores_icd");
        Directory.CreateDirectory(cams);
        Directory.CreateDirectory(icd);
        var rng = new Random(9);
        foreach (var item in items)
        {
            // ICD's default 321 canvas: 41x41 maps at stride 8, the image in the top-left corner.
            int c = item.Cams.Channels, m = 41;
            float[] Plane(Func<int, int, int, float> f) =>
                Enumerable.Range(0, c * m * m).Select(i => f(i / (m * m), i / m % m, i % m)).ToArray();
            // a good ICD: positive on its class's objects, negative elsewhere
            var gt = item.GroundTruth;
            float Score(int k, int y, int x) =>
                gt.Labels[Math.Min(y * 8, gt.Height - 1) * gt.Width + Math.Min(x * 8, gt.Width - 1)] == item.Cams.LabelIds[k] ? 1f : -1f;
            using (var f = File.Create(Path.Combine(icd, item.Id + ".npy"))) NpyWriter.WriteFloat32(f, Plane(Score), c, m, m);
            using (var f = File.Create(Path.Combine(cams, item.Id + ".npy"))) NpyWriter.WriteFloat32(f, Plane((k, y, x) => Score(k, y, x) + (float)rng.NextDouble() * 0.01f), c, m, m);
        }
        string output = tmp.Combine("seeds"), json = tmp.Combine("s.json");
        var r = WsssProcess.Run("refine", "--cams", cams, "--icd-seeds", icd, "--format", "icd", "--images", layout.Images, "--list", layout.List,
            "--out", output, "--crf", "icd", "--gt", layout.GroundTruth, "--json", json, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var item in items)
        {
            var seeds = LabelPngReader.Read(Path.Combine(output, item.Id + ".png"));
            Assert.All(seeds.Labels, v => Assert.True(v == 0 || v == 255 || item.Cams.LabelIds.Contains(v), $"label {v}"));
            Assert.Contains(seeds.Labels, v => item.Cams.LabelIds.Contains(v));
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("chainercv", doc.RootElement.GetProperty("metric").GetString());
        Assert.True(doc.RootElement.GetProperty("miou").GetDouble() > 0.7);
    }
}
