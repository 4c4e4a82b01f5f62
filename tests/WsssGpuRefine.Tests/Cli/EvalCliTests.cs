using System.Text.Json;
using WsssGpuRefine.Tests.Jobs;

namespace WsssGpuRefine.Tests.Cli;

public class EvalCliTests
{
    private static string Fixture(params string[] parts) => Path.Combine([EvalJobTests.Root, .. parts]);

    private static string[] EvalArgs(string cams, string list, params string[] extra) =>
        ["eval", "--cams", cams, "--gt", Fixture("gt"), "--list", list, "--backend", "cpu", .. extra];

    [Fact]
    public void Json_output_follows_the_contract()
    {
        using var tmp = new TempDirectory();
        string json = tmp.Combine("out.json");
        var r = WsssProcess.Run(EvalArgs(Fixture("irn"), Fixture("train.txt"), "--sweep", "0:0.59:0.01", "--json", json));
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        foreach (string key in new[] { "miou", "iou", "images", "metric", "threshold", "sweep", "confusion" })
            Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        Assert.Equal(21, root.GetProperty("iou").GetArrayLength());
        Assert.Contains(root.GetProperty("iou").EnumerateArray(), v => v.ValueKind == JsonValueKind.Null);
        Assert.Equal(6, root.GetProperty("images").GetInt32());
        Assert.Equal("chainercv", root.GetProperty("metric").GetString());
        Assert.Equal(60, root.GetProperty("sweep").GetArrayLength());
        Assert.True(root.GetProperty("sweep")[0].TryGetProperty("threshold", out _));
        Assert.Equal(21, root.GetProperty("confusion").GetArrayLength());
        Assert.Contains("mIoU", r.StdOut);
        Assert.Contains("aeroplane", r.StdOut);
    }

    [Fact]
    public void Malicious_pickle_is_refused_with_one_line_naming_file_and_global_and_never_runs()
    {
        using var tmp = new TempDirectory();
        Directory.CreateDirectory(tmp.Combine("cams"));
        string victim = Fixture("irn", "2007_000001.npy");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "io", "bad", "evil_system_p3.npy"), tmp.Combine("cams", "2007_000001.npy"));
        File.WriteAllText(tmp.Combine("list.txt"), "2007_000001\n");
        var r = WsssProcess.Run(EvalArgs(tmp.Combine("cams"), tmp.Combine("list.txt"), "--threshold", "0.15"));
        Assert.NotEqual(0, r.ExitCode);
        var line = Assert.Single(r.ErrorLines, l => !l.StartsWith("info:"));
        Assert.Matches(@"^error: .*cams/2007_000001\.npy: pickle global '(os|posix)\.system' is not allowed$", line);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.True(File.Exists(victim));
    }

    [Fact]
    public void Keep_going_scores_the_good_items_and_reports_every_bad_one()
    {
        using var tmp = new TempDirectory();
        string cams = tmp.Combine("cams");
        Directory.CreateDirectory(cams);
        foreach (string f in Directory.GetFiles(Fixture("irn"))) File.Copy(f, Path.Combine(cams, Path.GetFileName(f)));
        File.WriteAllBytes(Path.Combine(cams, "2007_000002.npy"), File.ReadAllBytes(Path.Combine(cams, "2007_000002.npy"))[..200]);
        File.Delete(Path.Combine(cams, "2007_000005.npy"));
        string json = tmp.Combine("r.json");

        var stop = WsssProcess.Run(EvalArgs(cams, Fixture("train.txt"), "--threshold", "0.15", "--json", json));
        Assert.NotEqual(0, stop.ExitCode);
        Assert.False(File.Exists(json));

        var r = WsssProcess.Run(EvalArgs(cams, Fixture("train.txt"), "--threshold", "0.15", "--keep-going", "--json", json));
        Assert.NotEqual(0, r.ExitCode);
        var errors = r.ErrorLines.Where(l => l.StartsWith("error:")).ToArray();
        Assert.Contains(errors, l => l.Contains("2007_000002.npy"));
        Assert.Contains(errors, l => l.Contains("2007_000005.npy"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(4, doc.RootElement.GetProperty("images").GetInt32());
    }

    [Fact]
    public void Cam_and_ground_truth_size_mismatch_names_the_dump()
    {
        using var tmp = new TempDirectory();
        Directory.CreateDirectory(tmp.Combine("cams"));
        // image 2's dump under image 1's id: a 31x20 CAM against a 53x37 ground truth
        File.Copy(Fixture("irn", "2007_000002.npy"), tmp.Combine("cams", "2007_000001.npy"));
        File.WriteAllText(tmp.Combine("list.txt"), "2007_000001\n");
        var r = WsssProcess.Run(EvalArgs(tmp.Combine("cams"), tmp.Combine("list.txt"), "--threshold", "0.15"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(r.ErrorLines, l => l.StartsWith("error: ") && l.Contains("2007_000001.npy") && l.Contains("does not match"));
    }

    [Fact]
    public void Missing_list_file_is_one_clear_line()
    {
        var r = WsssProcess.Run(EvalArgs(Fixture("irn"), "/nonexistent/list.txt", "--threshold", "0.15"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("/nonexistent/list.txt", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Labels_mode_scores_png_predictions()
    {
        // The ground truth scored against itself: every class present is perfect.
        var r = WsssProcess.Run("eval", "--labels", Fixture("gt"), "--gt", Fixture("gt"), "--list", Fixture("train.txt"), "--backend", "cpu");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("mIoU 100.00 %", r.StdOut);
    }
}

public class UsageErrorTests
{
    [Fact]
    public void A_usage_error_is_one_error_line_without_the_help_text()
    {
        var r = WsssProcess.Run("eval", "--gt", "gt", "--list", "l.txt", "--cams", "c", "--threshold", "0.1", "--metric", "miou");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("error: --metric: unknown metric 'miou' (chainercv, seam, gt-present, wsgcn, icd)", Assert.Single(r.ErrorLines));
        Assert.Equal("", r.StdOut);
    }

    /// <summary>
    /// Option values and combinations the command cannot run with exit 2 like the parser's own errors, with one line
    /// naming the flag; the folders named do not exist, so a run that read anything would fail otherwise.
    /// </summary>
    [Theory]
    [InlineData("error: CAM evaluation needs exactly one of --threshold, --bg-power and --sweep", "eval", "--threshold", "0.1", "--sweep", "0:0.5:0.1")]
    [InlineData("error: --over-under reports on a threshold sweep: it needs --sweep", "eval", "--threshold", "0.1", "--over-under")]
    [InlineData("error: --classes must be in 2..255", "eval", "--threshold", "0.1", "--classes", "300")]
    [InlineData("error: --threshold: threshold must be finite", "eval", "--threshold", "nan")]
    [InlineData("error: --shard: expected K/N with 0 <= K < N (e.g. 0/4), not '4/4'", "eval", "--threshold", "0.1", "--shard", "4/4")]
    [InlineData("error: --images must be in 1..100000", "bench", "--images", "0")]
    [InlineData("error: --backend: expected auto, cpu or vulkan, not 'gpu'", "eval", "--threshold", "0.1", "--backend", "gpu")]
    [InlineData("error: --backend: expected auto, cpu or vulkan, not 'cuda'", "bench", "--backend", "cuda")]
    [InlineData("error: --size: expected WxH between 16 and 4096, e.g. 500x375, not '8x8'", "demo", "--size", "8x8", "--generate-only")]
    public void Option_values_a_command_cannot_run_with_exit_2(string error, string command, params string[] options)
    {
        string[] common = command == "eval" ? ["--cams", "no-cams", "--gt", "no-gt", "--list", "no-list.txt"] : [];
        var r = WsssProcess.Run([command, .. common, .. options]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(error, Assert.Single(r.ErrorLines));
        Assert.Equal("", r.StdOut);
    }
}
