using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Tests.Io;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>The readers' limits as the CLI applies them: one line naming the file, a non-zero exit, no stack trace.</summary>
public class ReaderLimitsCliTests
{
    private static SyntheticSampleLayout Sample(TempDirectory tmp) =>
        SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 1 }));

    [Fact]
    public void Max_dump_elements_bounds_what_one_dump_may_hold()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        string id = File.ReadAllLines(layout.List)[0];
        string[] eval = ["eval", "--cams", layout.IrnCams, "--gt", layout.GroundTruth, "--list", layout.List, "--threshold", "0.15", "--backend", "cpu"];

        var ok = WsssProcess.Run(eval);
        Assert.True(ok.ExitCode == 0, ok.StdErr);

        var refused = WsssProcess.Run([.. eval, "--max-dump-elements", "1000"]);
        Assert.NotEqual(0, refused.ExitCode);
        string camFile = Path.Combine(layout.IrnCams, id + ".npy");
        Assert.Contains($"error: {camFile}: the file's arrays hold more than 1000 elements in all (the reader's element limit; the CLI raises it with --max-dump-elements)",
            refused.ErrorLines);
        Assert.DoesNotContain("   at ", refused.StdErr);

        var bad = WsssProcess.Run([.. eval, "--max-dump-elements", "0"]);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--max-dump-elements must be positive", bad.StdErr);
    }

    [Fact]
    public void Refine_refuses_an_image_declaring_30000x30000_by_name_before_decoding_it()
    {
        using var tmp = new TempDirectory();
        var layout = Sample(tmp);
        string id = File.ReadAllLines(layout.List)[0];
        string jpeg = Path.Combine(layout.Images, id + ".jpg");
        File.WriteAllBytes(jpeg, ReaderAttackTests.JpegDeclaring(30000, 30000));

        var r = WsssProcess.Run("refine", "--cams", layout.IrnCams, "--images", layout.Images, "--list", layout.List,
            "--out", tmp.Combine("out"), "--rw", "image", "--backend", "cpu");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"error: {jpeg}: the image declares 30000x30000 pixels, more than the limit of {ImageLimits.MaxPixels} (PIL's decompression-bomb limit)",
            r.ErrorLines);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
