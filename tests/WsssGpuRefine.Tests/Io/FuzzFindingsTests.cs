using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Io;

/// <summary>
/// Inputs the coverage-guided fuzzer (fuzz/) found to break a reader, kept as regression cases: each must now end
/// in one clean input error. The files are the fuzzer's own outputs, minus its reader-selector byte.
/// </summary>
public class FuzzFindingsTests
{
    [Theory]
    [InlineData("fuzz/png_idat_after_bad_zlib.png", "truncated or corrupt PNG")]
    public void Label_png_findings_fail_cleanly(string file, string reason)
    {
        // Decode, not Read: the path overload would turn any IOException into "cannot read", hiding the bug.
        var e = Assert.Throws<WsssInputException>(() => LabelPngReader.Decode(File.ReadAllBytes(IoFixtures.File(file))));
        Assert.Equal(reason, e.Reason);
    }
}
