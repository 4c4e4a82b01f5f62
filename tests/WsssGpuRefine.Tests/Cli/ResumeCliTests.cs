using System.Diagnostics;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Cli;

public class ResumeCliTests
{
    [Fact]
    public void A_killed_refine_run_resumes_to_the_same_outputs_as_an_uninterrupted_one()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string[] Args(string output) =>
        [
            "refine", "--cams", layout.IrnCams, "--images", layout.Images, "--list", layout.List, "--out", output,
            "--rw", "image", "--crf", "irn", "--backend", "cpu", "--batch-size", "2",
        ];

        var reference = WsssProcess.Run(Args(tmp.Combine("reference")));
        Assert.True(reference.ExitCode == 0, reference.StdErr);

        string interrupted = tmp.Combine("interrupted");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wsss.dll"));
        foreach (string a in Args(interrupted)) start.ArgumentList.Add(a);
        using (var process = Process.Start(start)!)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(2) && !process.HasExited
                   && (!Directory.Exists(interrupted) || Directory.GetFiles(interrupted, "*.png").Length < 3))
                Thread.Sleep(20);
            Assert.False(process.HasExited, "the run finished before it could be interrupted");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        int doneBeforeKill = Directory.GetFiles(interrupted, "*.png").Length;
        Assert.InRange(doneBeforeKill, 3, 15);
        // Whatever the kill left behind is either absent or a complete, readable label map.
        foreach (string png in Directory.GetFiles(interrupted, "*.png")) LabelPngReader.Read(png);

        var resumed = WsssProcess.Run(Args(interrupted));
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("already complete (skipped)", resumed.StdOut);
        Assert.Empty(Directory.GetFiles(interrupted, "*.partial"));
        var expected = Directory.GetFiles(tmp.Combine("reference"), "*.png").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(16, expected.Length);
        Assert.Equal(expected, Directory.GetFiles(interrupted, "*.png").Select(Path.GetFileName).Order().ToArray());
        foreach (string? name in expected)
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Combine("reference"), name!)), File.ReadAllBytes(Path.Combine(interrupted, name!)));
    }

    /// <summary>
    /// A folder written by an earlier build resumes only while its recipe's fingerprint (a hash of the recipe record's
    /// JSON) stays the same. These are the fingerprints 813f205 recorded, when the recipe's parts were serialised by
    /// reflection; the compile-time JSON metadata that replaced it (for NativeAOT builds) must give the same bytes.
    /// </summary>
    [Theory]
    [InlineData("f9d8569eb60f405f", "irn", "--threshold", "0.2", "--crf-params", "preset=irn;iters=1;unsure=0.3")]
    [InlineData("51427ab01f2cde9a", "psa", "--format", "psa", "--bg-power", "8", "--save-scores")]
    [InlineData("293602a5930b0374", "irn", "--ir-label", "0.30,0.05", "--crf", "irn", "--png", "gray")]
    [InlineData("182361ddda50ed96", "psa", "--format", "psa", "--la-ha", "4,32")]
    [InlineData("9316802259fb5106", "irn", "--rw", "image", "--rw-preset", "puzzlecam", "--crf", "irn", "--crf-suffix", "_crf")]
    [InlineData("8672f83193116b77", "psa", "--method", "seam")]
    public void Recipe_fingerprints_stay_those_earlier_builds_recorded(string fingerprint, string dumps, params string[] recipe)
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string list = tmp.Combine("one.txt");
        File.WriteAllLines(list, [File.ReadLines(dumps == "psa" ? layout.PsaList : layout.List).First()]);
        string output = tmp.Combine("out");
        var run = WsssProcess.Run([
            "refine", "--cams", dumps == "psa" ? layout.PsaCams : layout.IrnCams, "--images", layout.Images, "--list", list,
            "--out", output, "--backend", "cpu", .. recipe]);
        Assert.True(run.ExitCode == 0, run.StdErr);
        var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "wsss-recipe.json")))!;
        Assert.Equal(fingerprint, record["fingerprint"]!.GetValue<string>());
    }
}
