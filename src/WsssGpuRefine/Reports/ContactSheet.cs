using SkiaSharp;
using WsssGpuRefine.Core;
using WsssGpuRefine.Datasets;
using WsssGpuRefine.Io;

namespace WsssGpuRefine.Reports;

/// <summary>One row of a contact sheet; any panel may be missing.</summary>
public sealed record ContactSheetRow(string Id, RgbImage Image, ClassMaps? Cams, LabelMap? PseudoLabel, LabelMap? GroundTruth);

/// <summary>
/// A grid to eyeball a run: per id, the image, its CAM (max over classes as a heat map over the image), the pseudo
/// label and the ground truth as VOC-coloured overlays. Rows are scaled to one height so sheets stay small.
/// </summary>
public static class ContactSheet
{
    /// <summary>Writes the sheet as a PNG, one row per entry, atomically.</summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="rows">The rows, at least one; every panel of a row is drawn over (or as) the row's image.</param>
    /// <param name="tileHeight">Height in pixels every panel is scaled to.</param>
    /// <exception cref="ArgumentException">No row is given.</exception>
    public static void Write(string path, IReadOnlyList<ContactSheetRow> rows, int tileHeight = 160)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new ArgumentException("a contact sheet needs at least one row", nameof(rows));
        var tiles = rows.Select(r => Tiles(r)).ToList();
        var widths = tiles.Select(row => row.Select(t => ScaledWidth(t, tileHeight)).ToArray()).ToList();
        int width = widths.Max(row => row.Sum(w => w + 4));
        using var sheet = new SKBitmap(new SKImageInfo(width, rows.Count * (tileHeight + 4), SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(sheet))
        {
            canvas.Clear(SKColors.White);
            // Bicubic (Catmull-Rom) scaling.
            var sampling = new SKSamplingOptions(SKCubicResampler.CatmullRom);
            for (int r = 0; r < tiles.Count; r++)
            {
                int x = 0;
                for (int t = 0; t < tiles[r].Count; t++)
                {
                    using var tile = tiles[r][t];
                    int w = widths[r][t];
                    canvas.DrawImage(tile, SKRect.Create(x, r * (tileHeight + 4), w, tileHeight), sampling);
                    x += w + 4;
                }
            }
        }
        AtomicFileWriter.Write(path, s =>
        {
            using var png = sheet.Encode(SKEncodedImageFormat.Png, 100);
            png.SaveTo(s);
        });
    }

    /// <summary>Up to <paramref name="count"/> ids spread evenly over the list (deterministic).</summary>
    public static IReadOnlyList<string> Sample(IReadOnlyList<string> ids, int count)
    {
        if (ids.Count <= count) return ids;
        return Enumerable.Range(0, count).Select(i => ids[(int)((long)i * ids.Count / count)]).ToArray();
    }

    private static List<SKImage> Tiles(ContactSheetRow row)
    {
        var image = row.Image;
        var tiles = new List<SKImage> { Render(image, (_, _) => null) };
        if (row.Cams is { } cams) tiles.Add(Render(image, Heat(cams)));
        if (row.PseudoLabel is { } pseudo) tiles.Add(Render(image, Overlay(pseudo)));
        if (row.GroundTruth is { } gt) tiles.Add(Render(image, Overlay(gt)));
        return tiles;
    }

    private static int ScaledWidth(SKImage tile, int height) => Math.Max(1, (int)Math.Round(tile.Width * (double)height / tile.Height));

    private static Func<int, byte[], (byte R, byte G, byte B, float Alpha)?> Overlay(LabelMap labels)
    {
        var palette = Voc2012.Palette.ToArray();
        return (i, _) =>
        {
            int l = i < labels.PixelCount ? labels.Labels[i] : 255;
            return l == 0 ? null : (palette[l * 3], palette[l * 3 + 1], palette[l * 3 + 2], 0.6f);
        };
    }

    private static Func<int, byte[], (byte R, byte G, byte B, float Alpha)?> Heat(ClassMaps cams)
    {
        var fg = cams.ForegroundOnly();
        int n = fg.PixelCount;
        return (i, _) =>
        {
            if (i >= n || fg.Channels == 0) return null;
            float m = 0;
            for (int c = 0; c < fg.Channels; c++) m = MathF.Max(m, fg.Data[c * n + i]);
            m = Math.Clamp(m, 0, 1);
            // A blue-green-yellow-red ramp (jet-like) so weak and strong activations are told apart at a glance.
            float r = Math.Clamp(1.5f - MathF.Abs(4 * m - 3), 0, 1), g = Math.Clamp(1.5f - MathF.Abs(4 * m - 2), 0, 1), b = Math.Clamp(1.5f - MathF.Abs(4 * m - 1), 0, 1);
            return ((byte)(255 * r), (byte)(255 * g), (byte)(255 * b), 0.55f);
        };
    }

    private static SKImage Render(RgbImage image, Func<int, byte[], (byte R, byte G, byte B, float Alpha)?> colour)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0; i < image.Width * image.Height; i++)
        {
            byte r = image.Pixels[i * 3], g = image.Pixels[i * 3 + 1], b = image.Pixels[i * 3 + 2];
            if (colour(i, image.Pixels) is { } o)
            {
                r = (byte)(r * (1 - o.Alpha) + o.R * o.Alpha);
                g = (byte)(g * (1 - o.Alpha) + o.G * o.Alpha);
                b = (byte)(b * (1 - o.Alpha) + o.B * o.Alpha);
            }
            rgba[i * 4] = r;
            rgba[i * 4 + 1] = g;
            rgba[i * 4 + 2] = b;
            rgba[i * 4 + 3] = 255;
        }
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var data = SKData.CreateCopy(rgba);
        return SKImage.FromPixels(info, data, info.RowBytes);
    }
}
