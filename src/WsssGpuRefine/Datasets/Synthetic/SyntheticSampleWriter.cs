using SkiaSharp;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Datasets.Synthetic;

/// <summary>The on-disk layout <c>wsss demo</c> writes: the same folders a VOC user has, plus two seed-format dumps.</summary>
public sealed record SyntheticSampleLayout(string Root)
{
    /// <summary>RGB images <c>ID.jpg</c> (JPEG quality 95, 4:4:4), as VOC's JPEGImages.</summary>
    public string Images => Path.Combine(Root, "JPEGImages");
    /// <summary>Ground-truth palette PNGs <c>ID.png</c> (0..20, 255 = void band), as VOC's SegmentationClass.</summary>
    public string GroundTruth => Path.Combine(Root, "SegmentationClass");
    /// <summary>IRN-format dumps <c>ID.npy</c> (variant A: keys, stride-4 <c>cam</c>, <c>high_res</c>).</summary>
    public string IrnCams => Path.Combine(Root, "cams_irn");
    /// <summary>PSA-format dumps <c>ID.npy</c> (variant D: {0-based class: (H, W)}).</summary>
    public string PsaCams => Path.Combine(Root, "cams_psa");
    /// <summary>Bare ids, one per line (IRN style).</summary>
    public string List => Path.Combine(Root, "train.txt");
    /// <summary>PSA-style lines.</summary>
    public string PsaList => Path.Combine(Root, "train_psa.txt");
}

/// <summary>Writes a synthetic sample to disk in VOC layout with IRN and PSA dumps and both list styles; every file is written atomically.</summary>
public static class SyntheticSampleWriter
{
    /// <summary>Writes already generated items under <paramref name="root"/> (folders created as needed).</summary>
    /// <returns>The paths of what was written.</returns>
    public static SyntheticSampleLayout Write(string root, IReadOnlyList<SyntheticItem> items)
    {
        var layout = Prepare(root);
        Parallel.ForEach(items, item => WriteItem(layout, item));
        WriteLists(layout, items.Select(i => i.Id).ToArray());
        return layout;
    }

    /// <summary>Generates and writes a sample of any size without holding it in memory (e.g. 1464 VOC-size images).</summary>
    public static SyntheticSampleLayout Write(string root, SyntheticVocSample.Parameters parameters, IProgress<int>? progress = null)
    {
        var layout = Prepare(root);
        Parallel.For(0, parameters.Images, i =>
        {
            WriteItem(layout, SyntheticVocSample.GenerateOne(parameters, i));
            progress?.Report(1);
        });
        WriteLists(layout, Enumerable.Range(0, parameters.Images).Select(SyntheticVocSample.IdOf).ToArray());
        return layout;
    }

    private static SyntheticSampleLayout Prepare(string root)
    {
        var layout = new SyntheticSampleLayout(root);
        foreach (string d in new[] { layout.Images, layout.GroundTruth, layout.IrnCams, layout.PsaCams }) Directory.CreateDirectory(d);
        return layout;
    }

    private static void WriteItem(SyntheticSampleLayout layout, SyntheticItem item)
    {
        AtomicFileWriter.Write(Path.Combine(layout.Images, item.Id + ".jpg"), s => WriteJpeg(s, item.Image));
        AtomicFileWriter.Write(Path.Combine(layout.GroundTruth, item.Id + ".png"), s => LabelPngWriter.Write(s, item.GroundTruth));
        var keys = item.Cams.LabelIds.Select(id => (long)(id - 1)).ToArray();
        AtomicFileWriter.Write(Path.Combine(layout.IrnCams, item.Id + ".npy"), s => SeedDumpWriter.WriteIrn(s, keys,
            item.LowResCams.Data, [item.LowResCams.Channels, item.LowResCams.Height, item.LowResCams.Width],
            item.Cams.Data, [item.Cams.Channels, item.Cams.Height, item.Cams.Width]));
        var maps = item.Cams.LabelIds.Select((id, k) => (id - 1, item.Cams.Channel(k).ToArray())).ToArray();
        AtomicFileWriter.Write(Path.Combine(layout.PsaCams, item.Id + ".npy"), s => SeedDumpWriter.WritePsa(s, maps, item.Cams.Height, item.Cams.Width));
    }

    /// <summary>
    /// A baseline JPEG at quality 95 without chroma subsampling (Skia's libjpeg-turbo encoder): the 4:4:4 layout the
    /// sample's JPEGs always had (ImageSharp's encoder chose it at this quality), so the demo's numbers stay comparable.
    /// </summary>
    internal static void WriteJpeg(Stream output, RgbImage image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0; i < image.Width * image.Height; i++)
        {
            rgba[i * 4] = image.Pixels[i * 3];
            rgba[i * 4 + 1] = image.Pixels[i * 3 + 1];
            rgba[i * 4 + 2] = image.Pixels[i * 3 + 2];
            rgba[i * 4 + 3] = 255;
        }
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var data = SKData.CreateCopy(rgba);
        using var pixmap = new SKPixmap(info, data.Data, info.RowBytes);
        using var wstream = new SKManagedWStream(output);
        if (!pixmap.Encode(wstream, new SKJpegEncoderOptions(95, SKJpegEncoderDownsample.Downsample444, SKJpegEncoderAlphaOption.Ignore)))
            throw new InvalidOperationException("Skia could not encode the JPEG");
    }

    private static void WriteLists(SyntheticSampleLayout layout, IReadOnlyList<string> ids)
    {
        AtomicFileWriter.WriteAllText(layout.List, string.Concat(ids.Select(id => id + "\n")));
        AtomicFileWriter.WriteAllText(layout.PsaList, string.Concat(ids.Select(id => $"/JPEGImages/{id}.jpg /SegmentationClassAug/{id}.png\n")));
    }
}
