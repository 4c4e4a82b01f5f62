using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
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
        var tiles = rows.Select(r => Tiles(r, tileHeight)).ToList();
        int width = tiles.Max(row => row.Sum(t => t.Width + 4));
        using var sheet = new Image<Rgb24>(width, rows.Count * (tileHeight + 4), new Rgb24(255, 255, 255));
        for (int r = 0; r < tiles.Count; r++)
        {
            int x = 0;
            foreach (var tile in tiles[r])
            {
                using (tile) sheet.Mutate(c => c.DrawImage(tile, new Point(x, r * (tileHeight + 4)), 1f));
                x += tile.Width + 4;
            }
        }
        AtomicFileWriter.Write(path, s => sheet.SaveAsPng(s));
    }

    /// <summary>Up to <paramref name="count"/> ids spread evenly over the list (deterministic).</summary>
    public static IReadOnlyList<string> Sample(IReadOnlyList<string> ids, int count)
    {
        if (ids.Count <= count) return ids;
        return Enumerable.Range(0, count).Select(i => ids[(int)((long)i * ids.Count / count)]).ToArray();
    }

    private static List<Image<Rgb24>> Tiles(ContactSheetRow row, int tileHeight)
    {
        var image = row.Image;
        var tiles = new List<Image<Rgb24>> { Scaled(Render(image, (_, _) => null), tileHeight) };
        if (row.Cams is { } cams) tiles.Add(Scaled(Render(image, Heat(cams)), tileHeight));
        if (row.PseudoLabel is { } pseudo) tiles.Add(Scaled(Render(image, Overlay(pseudo)), tileHeight));
        if (row.GroundTruth is { } gt) tiles.Add(Scaled(Render(image, Overlay(gt)), tileHeight));
        return tiles;
    }

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

    private static Image<Rgb24> Render(RgbImage image, Func<int, byte[], (byte R, byte G, byte B, float Alpha)?> colour)
    {
        var output = new Image<Rgb24>(image.Width, image.Height);
        output.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int i = y * image.Width + x;
                    byte r = image.Pixels[i * 3], g = image.Pixels[i * 3 + 1], b = image.Pixels[i * 3 + 2];
                    if (colour(i, image.Pixels) is { } o)
                    {
                        r = (byte)(r * (1 - o.Alpha) + o.R * o.Alpha);
                        g = (byte)(g * (1 - o.Alpha) + o.G * o.Alpha);
                        b = (byte)(b * (1 - o.Alpha) + o.B * o.Alpha);
                    }
                    row[x] = new Rgb24(r, g, b);
                }
            }
        });
        return output;
    }

    private static Image<Rgb24> Scaled(Image<Rgb24> image, int height)
    {
        int width = Math.Max(1, (int)Math.Round(image.Width * (double)height / image.Height));
        image.Mutate(c => c.Resize(width, height));
        return image;
    }
}
