using System.Diagnostics;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Io;

public class PngTests
{
    public static IEnumerable<object[]> LabelPngs =>
        new[]
        {
            "palette_voc", "palette_all_black", "palette_4bit", "gray_l", "gray_big", "hand_gray_filters", "hand_gray_adam7",
            "hand_palette_adam7", "hand_palette_2bit_adam7", "hand_palette_1bit",
        }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(LabelPngs))]
    public void Pil_written_label_pngs_read_back_by_index(string name)
    {
        var e = IoFixtures.Section("png").GetProperty(name);
        var map = LabelPngReader.Read(IoFixtures.File($"png/{name}.png"));
        Assert.Equal(e.GetProperty("height").GetInt32(), map.Height);
        Assert.Equal(e.GetProperty("width").GetInt32(), map.Width);
        Assert.Equal(IoFixtures.Ints(e.GetProperty("values")).Select(v => (byte)v), map.Labels);
    }

    [Fact]
    public void Writer_round_trips_every_label_value_through_the_reader()
    {
        int h = 19, w = 23;
        var labels = new byte[h * w];
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)(i * 37 % 256);
        var map = new LabelMap(h, w, labels);
        using var ms = new MemoryStream();
        LabelPngWriter.Write(ms, map);
        var back = LabelPngReader.Decode(ms.ToArray());
        Assert.Equal(h, back.Height);
        Assert.Equal(w, back.Width);
        Assert.Equal(labels, back.Labels);
    }

    [Fact]
    public void Written_palette_is_the_voc_colour_map()
    {
        var rgb = WsssGpuRefine.Datasets.Voc2012.Palette;
        Assert.Equal(768, rgb.Length);
        Assert.Equal(new byte[] { 0, 0, 0 }, rgb[..3].ToArray());
        Assert.Equal(new byte[] { 128, 0, 0 }, rgb[3..6].ToArray());
        Assert.Equal(new byte[] { 0, 128, 0 }, rgb[6..9].ToArray());
        Assert.Equal(new byte[] { 192, 128, 128 }, rgb[(15 * 3)..(16 * 3)].ToArray());
        Assert.Equal(new byte[] { 0, 64, 128 }, rgb[(20 * 3)..(21 * 3)].ToArray());
        Assert.Equal(new byte[] { 224, 224, 192 }, rgb[(255 * 3)..].ToArray());
    }

    [PilFact]
    public void Pil_reads_the_written_png_as_mode_P_with_the_same_indices()
    {
        // PIL is the reader every seed method uses. Skipped (with the reason) where /usr/bin/python3 lacks PIL,
        // except under CI=true, where .ci/run installs it and its absence fails here.
        var map = new LabelMap(3, 5, [0, 1, 2, 3, 255, 20, 19, 18, 17, 16, 0, 0, 255, 255, 7]);
        string path = Path.Combine(Path.GetTempPath(), $"wsss_io_{Guid.NewGuid():N}.png");
        try
        {
            LabelPngWriter.Write(path, map);
            var psi = new ProcessStartInfo(PilTestEnvironment.Python, ["-c",
                "import sys\nfrom PIL import Image\n" +
                "import numpy as np\nim=Image.open(sys.argv[1]); print(im.mode, ' '.join(map(str, np.array(im).ravel())), tuple(im.getpalette()[765:768]))",
                path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            string errors = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{PilTestEnvironment.Python} failed: {errors}");
            Assert.Equal("P 0 1 2 3 255 20 19 18 17 16 0 0 255 255 7 (224, 224, 192)", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("png/rgb.png", "PNG colour type RGB is not a label map")]
    [InlineData("png/truncated.png", "truncated or corrupt PNG")]
    [InlineData("npy/plain_le_f4.npy", "not a PNG file")]
    public void Non_label_or_broken_pngs_are_refused(string file, string reason)
    {
        string path = IoFixtures.File(file);
        var e = Assert.Throws<WsssInputException>(() => LabelPngReader.Read(path));
        Assert.Equal(path, e.File);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void Rgb_png_reads_exactly()
    {
        var e = IoFixtures.Section("png").GetProperty("rgb");
        var image = RgbImageReader.Read(IoFixtures.File("png/rgb.png"));
        Assert.Equal(5, image.Height);
        Assert.Equal(6, image.Width);
        Assert.Equal(IoFixtures.Ints(e.GetProperty("values")).Select(v => (byte)v), image.Pixels);
    }

    [Fact]
    public void Rgb_jpeg_reads_close_to_the_source()
    {
        // JPEG is lossy (a smooth ramp at quality 95 here) and decoders differ slightly: closeness only.
        var e = IoFixtures.Ints(IoFixtures.Section("png").GetProperty("rgb_smooth").GetProperty("values"));
        var image = RgbImageReader.Read(IoFixtures.File("png/rgb_smooth.jpg"));
        Assert.Equal(16, image.Height);
        Assert.Equal(24, image.Width);
        double meanError = image.Pixels.Select((p, i) => Math.Abs(p - e[i])).Average();
        Assert.InRange(meanError, 0, 3);
    }

    [Fact]
    public void Unreadable_image_is_an_input_error()
    {
        string path = IoFixtures.File("npy/plain_le_f4.npy");
        var e = Assert.Throws<WsssInputException>(() => RgbImageReader.Read(path));
        Assert.Equal(path, e.File);
    }
}

public class JpegDecoderParityTests
{
    // PIL (libjpeg-turbo) wrote and decoded these (make_fixtures.py, make_progressive_fixtures.py); the seed
    // methods read their images the same way. Progressive and restart-marker files included.
    public static IEnumerable<object[]> Jpegs =>
        new[]
        {
            "jpeg_420_q75", "jpeg_420_q95", "jpeg_422_q75", "jpeg_444_q75", "jpeg_gray_q80", "jpeg_optimized_q60",
            "jpeg_420_restart3", "jpeg_gray_restart5", "jpeg_progressive_q75", "jpeg_progressive_422_q90",
            "jpeg_progressive_gray_q85",
        }
            .Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void Jpegs_decode_exactly_as_pil_does(string name)
    {
        var e = IoFixtures.Section("png").GetProperty(name);
        var image = RgbImageReader.Read(IoFixtures.File($"png/{name}.jpg"));
        Assert.Equal(e.GetProperty("height").GetInt32(), image.Height);
        Assert.Equal(e.GetProperty("width").GetInt32(), image.Width);
        // Tolerance 0: every byte as PIL decoded it.
        Assert.Equal(IoFixtures.Ints(e.GetProperty("values")).Select(v => (byte)v), image.Pixels);
    }
}
