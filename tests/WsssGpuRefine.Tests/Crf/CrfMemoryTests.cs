using System.Diagnostics;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Tests.Cli;

namespace WsssGpuRefine.Tests.Crf;

public class CrfMemoryTests
{
    [Fact]
    public void Estimate_is_the_hand_worked_sum_and_grows_with_the_labels_of_the_crf()
    {
        // 2000x2000, bg + 3 classes (stride 4), one thread, per pixel: lattices 9 corners x 16 B + 20 B features
        // + 16 B norm = 180; rows (2*4 + 3*4) * 4 + 4 = 84; vertex rows px/2 * 16 B = 8 per pixel, x (2 + 1) x 2
        // kernels = 48. Total 312 B per pixel.
        Assert.Equal(312L * 4_000_000, CrfMemory.EstimateBytes(2000, 2000, 4));
        // 22 labels (bg + 21): stride 24, rows (48 + 66) * 4 + 4 = 460, vertex rows 48 x 6 = 288: 928 B per pixel.
        Assert.Equal(928L * 4_000_000, CrfMemory.EstimateBytes(2000, 2000, 22));
        Assert.True(CrfMemory.EstimateBytes(375, 500, 4, threads: 2) > CrfMemory.EstimateBytes(375, 500, 4, threads: 1));
    }

    [Theory]
    [InlineData(1000, 3500, 4, 3)]
    [InlineData(1000, 10_000, 2, 2)]
    [InlineData(1000, 999, 4, 1)]        // an image larger than the budget still runs, alone
    [InlineData(1000, 1_000_000, 1, 1)]
    public void Images_at_once_fit_the_budget_between_one_and_the_cores(long perImage, long budget, int cores, int expected) =>
        Assert.Equal(expected, CrfMemory.ImagesAtOnce(perImage, budget, cores));

    [Fact]
    public void Refine_of_a_large_image_stays_under_its_estimate_as_a_child_process()
    {
        using var tmp = new TempDirectory();
        var p = SyntheticVocSample.Parameters.Embedded() with { Images = 2, MinWidth = 1200, MaxWidth = 1200, MinHeight = 900, MaxHeight = 900 };
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate(p));
        // Under a 1 MiB budget the two images run one at a time. The estimate counts live buffers; the GC lets
        // about as much garbage pile up between collections (726 MiB measured against a 338 MiB estimate on the
        // 2-core machine), so the process must stay under twice one image's estimate with bg + MaxObjects classes
        // plus 300 MiB for the runtime and the decoded batch.
        long bound = 2 * CrfMemory.EstimateBytes(900, 1200, p.MaxObjects + 1, threads: Environment.ProcessorCount) + (300L << 20);
        var (exitCode, peak, stderr) = RunMeasured("refine", "--cams", layout.IrnCams, "--images", layout.Images, "--list", layout.List,
            "--out", tmp.Combine("out"), "--ir-label", "0.30,0.05", "--crf", "irn", "--backend", "cpu", "--max-memory", "1", "--batch-size", "1");
        Assert.True(exitCode == 0, stderr);
        Assert.Equal(2, Directory.GetFiles(tmp.Combine("out"), "*.png").Length);
        Assert.True(peak > 0 && peak < bound, $"peak working set {peak >> 20} MiB, bound {bound >> 20} MiB");
    }

    /// <summary>Runs wsss and polls its peak working set (VmHWM on Linux) until it exits.</summary>
    private static (int ExitCode, long PeakBytes, string StdErr) RunMeasured(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wsss.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!process.WaitForExit(20))
        {
            try
            {
                process.Refresh();
                peak = Math.Max(peak, process.PeakWorkingSet64);
            }
            catch (InvalidOperationException)
            {
                break;   // exited between the wait and the read
            }
            if (DateTime.UtcNow > deadline)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("wsss did not finish in 5 minutes");
            }
        }
        process.WaitForExit();
        _ = stdout.Result;
        return (process.ExitCode, peak, stderr.Result);
    }
}
