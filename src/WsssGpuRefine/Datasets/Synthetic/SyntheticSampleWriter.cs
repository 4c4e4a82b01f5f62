using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using WsssGpuRefine.Io;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Datasets.Synthetic;

/// <summary>The on-disk layout <c>wsss demo</c> writes: the same folders a VOC user has, plus two seed-format dumps.</summary>
public sealed record SyntheticSampleLayout(string Root)
{
    public string Images => Path.Combine(Root, "JPEGImages");
    public string GroundTruth => Path.Combine(Root, "SegmentationClass");
    public string IrnCams => Path.Combine(Root, "cams_irn");
    public string PsaCams => Path.Combine(Root, "cams_psa");
    /// <summary>Bare ids, one per line (IRN style).</summary>
    public string List => Path.Combine(Root, "train.txt");
    /// <summary>PSA-style lines.</summary>
    public string PsaList => Path.Combine(Root, "train_psa.txt");
}

public static class SyntheticSampleWriter
{
    public static SyntheticSampleLayout Write(string root, IReadOnlyList<SyntheticItem> items)
    {
        var layout = new SyntheticSampleLayout(root);
        foreach (string d in new[] { layout.Images, layout.GroundTruth, layout.IrnCams, layout.PsaCams }) Directory.CreateDirectory(d);
        Parallel.ForEach(items, item =>
        {
            AtomicFileWriter.Write(Path.Combine(layout.Images, item.Id + ".jpg"), s =>
            {
                using var image = Image.LoadPixelData<Rgb24>(item.Image.Pixels, item.Image.Width, item.Image.Height);
                image.SaveAsJpeg(s, new JpegEncoder { Quality = 95 });
            });
            AtomicFileWriter.Write(Path.Combine(layout.GroundTruth, item.Id + ".png"), s => LabelPngWriter.Write(s, item.GroundTruth));
            var keys = item.Cams.LabelIds.Select(id => (long)(id - 1)).ToArray();
            AtomicFileWriter.Write(Path.Combine(layout.IrnCams, item.Id + ".npy"), s => SeedDumpWriter.WriteIrn(s, keys,
                item.LowResCams.Data, [item.LowResCams.Channels, item.LowResCams.Height, item.LowResCams.Width],
                item.Cams.Data, [item.Cams.Channels, item.Cams.Height, item.Cams.Width]));
            var maps = item.Cams.LabelIds.Select((id, k) => (id - 1, item.Cams.Channel(k).ToArray())).ToArray();
            AtomicFileWriter.Write(Path.Combine(layout.PsaCams, item.Id + ".npy"), s => SeedDumpWriter.WritePsa(s, maps, item.Cams.Height, item.Cams.Width));
        });
        AtomicFileWriter.WriteAllText(layout.List, string.Concat(items.Select(i => i.Id + "\n")));
        AtomicFileWriter.WriteAllText(layout.PsaList, string.Concat(items.Select(i => $"/JPEGImages/{i.Id}.jpg /SegmentationClassAug/{i.Id}.png\n")));
        return layout;
    }
}
