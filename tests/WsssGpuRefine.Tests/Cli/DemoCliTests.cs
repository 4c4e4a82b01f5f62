using System.Globalization;
using System.Text.RegularExpressions;

namespace WsssGpuRefine.Tests.Cli;

public class DemoCliTests
{
    [Fact]
    public void Demo_runs_every_stage_and_refinement_lifts_the_cam_score()
    {
        using var tmp = new TempDirectory();
        var r = WsssProcess.Run("demo", "--out", tmp.Path, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var scores = Regex.Matches(r.StdOut, @"mIoU +([0-9.]+) %").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, scores.Length);
        double cam = scores[0], walk = scores[2], walkCrf = scores[3];
        Assert.InRange(cam, 30, 70);
        Assert.True(walk > cam + 10, r.StdOut);
        Assert.True(walkCrf > walk, r.StdOut);
        Assert.Equal(16, Directory.GetFiles(Path.Combine(tmp.Path, "refined_rw_crf"), "*.png").Length);
    }

    [Fact]
    public void Generate_only_writes_a_sample_of_the_asked_size()
    {
        using var tmp = new TempDirectory();
        var r = WsssProcess.Run("demo", "--out", tmp.Path, "--images", "3", "--size", "40x30", "--generate-only");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(tmp.Path, "train.txt")).Length);
        var gt = WsssGpuRefine.Io.Png.LabelPngReader.Read(Directory.GetFiles(Path.Combine(tmp.Path, "SegmentationClass"))[0]);
        Assert.Equal((30, 40), (gt.Height, gt.Width));
    }
}
