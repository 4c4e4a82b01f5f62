using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Io;

/// <summary>
/// Damaged inputs must end in a WsssInputException (or decode), never in another exception type:
/// every fixture is truncated at many points and has bytes overwritten at random (fixed seed).
/// </summary>
public class CorruptionFuzzTests
{
    public static IEnumerable<object[]> Files =>
        new[]
        {
            "dumps/a_irn.npy", "dumps/a_strided_p2.npy", "dumps/a_strided_p4.npy", "dumps/b_puzzle.npy", "dumps/c_vwe_numpy2.npy",
            "dumps/d_psa.npy", "dumps/e_bgfg.npy", "dumps/torch_v3.npy", "labels/cls_labels_int.npy", "npy/fortran_f4.npy",
            "npy/v3_f4.npy", "png/palette_voc.png", "png/hand_gray_adam7.png", "png/hand_palette_2bit_adam7.png",
            "png/jpeg_420_q75.jpg", "png/jpeg_422_q75.jpg", "png/jpeg_gray_q80.jpg", "png/jpeg_progressive_q75.jpg",
        }.Select(f => new object[] { f });

    private static void ReadAny(string name, byte[] bytes)
    {
        if (name.EndsWith(".jpg", StringComparison.Ordinal))
        {
            RgbImageReader.Decode(bytes);
            return;
        }
        if (name.EndsWith(".png", StringComparison.Ordinal))
        {
            LabelPngReader.Decode(bytes);
            return;
        }
        var array = NpyReader.Read(bytes);
        if (name.StartsWith("dumps/", StringComparison.Ordinal))
            CamDumpReader.Interpret(array, new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 2, 7, 14 } });
        else if (name.StartsWith("labels/", StringComparison.Ordinal))
            ClassLabels.FromArray(array);
        else
            array.ToFloat32();
    }

    private static void MustFailCleanlyOrDecode(string name, byte[] bytes)
    {
        try
        {
            ReadAny(name, bytes);
        }
        catch (WsssInputException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Truncation_anywhere_fails_cleanly(string name)
    {
        var original = File.ReadAllBytes(IoFixtures.File(name));
        int step = Math.Max(1, original.Length / 400);
        for (int cut = 0; cut < original.Length; cut += step)
            MustFailCleanlyOrDecode(name, original[..cut]);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Overwritten_bytes_fail_cleanly_or_decode(string name)
    {
        var original = File.ReadAllBytes(IoFixtures.File(name));
        var rng = new Random(name.Length * 7919);
        const int trials = 600;
        for (int trial = 0; trial < trials; trial++)
        {
            var bytes = (byte[])original.Clone();
            int edits = 1 + rng.Next(4);
            for (int k = 0; k < edits; k++)
            {
                // Bias towards the header and pickle opcodes, where structure lives.
                int at = rng.Next(2) == 0 ? rng.Next(Math.Min(bytes.Length, 700)) : rng.Next(bytes.Length);
                bytes[at] = (byte)rng.Next(256);
            }
            MustFailCleanlyOrDecode(name, bytes);
        }
    }
}
