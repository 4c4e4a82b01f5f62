using System.Buffers.Binary;
using System.IO.Compression;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Png;

/// <summary>How a label PNG stores its values; both keep the label value as the pixel value (255 = ignore).</summary>
public enum LabelPngFlavour
{
    /// <summary>8-bit palette ("P") with the VOC colour map, as VOC's SegmentationClass; PIL reads the indices.</summary>
    Palette,
    /// <summary>
    /// 8-bit grayscale ("L"), as IRN writes its labels (jiwoon-ahn/irn step/cam_to_ir_label.py:42): imageio.imread
    /// returns a 2-D uint8 array, where a palette PNG would come back as (H, W, 4) RGBA
    /// (jiwoon-ahn/irn step/eval_sem_seg.py:14).
    /// </summary>
    Gray,
}

/// <summary>
/// Writes label maps as 8-bit palette PNGs with the 256-entry VOC colour map (255 = ignore, drawn
/// (224, 224, 192)), which PIL opens as mode "P" with the same indices, or as 8-bit grayscale PNGs (mode "L").
/// The caller owns the stream.
/// </summary>
public static class LabelPngWriter
{
    /// <summary>Writes <paramref name="labels"/> as an 8-bit palette PNG whose indices are the label values (0..20, 255 = ignore).</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="labels">The map to write; at least one pixel.</param>
    /// <param name="level">zlib effort for the IDAT data; Fastest keeps writing off the critical path of a refine run.</param>
    /// <exception cref="ArgumentException">The map is empty.</exception>
    public static void Write(Stream stream, LabelMap labels, CompressionLevel level = CompressionLevel.Fastest) =>
        Write(stream, labels, LabelPngFlavour.Palette, level);

    /// <summary>Writes <paramref name="labels"/> as an 8-bit PNG of the given flavour whose pixel values are the label values.</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="labels">The map to write; at least one pixel.</param>
    /// <param name="flavour">Palette (VOC colours) or grayscale.</param>
    /// <param name="level">zlib effort for the IDAT data.</param>
    /// <exception cref="ArgumentException">The map is empty.</exception>
    public static void Write(Stream stream, LabelMap labels, LabelPngFlavour flavour, CompressionLevel level = CompressionLevel.Fastest)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Width <= 0 || labels.Height <= 0) throw new ArgumentException("a PNG needs at least one pixel", nameof(labels));
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a]);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)labels.Width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)labels.Height);
        header[8] = 8;   // bit depth
        header[9] = flavour == LabelPngFlavour.Gray ? (byte)0 : (byte)3;   // grayscale or palette
        header[10] = header[11] = header[12] = 0;
        WriteChunk(stream, "IHDR"u8, header);
        if (flavour != LabelPngFlavour.Gray) WriteChunk(stream, "PLTE"u8, Datasets.Voc2012.Palette);

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, level, leaveOpen: true))
        {
            // Filter "Up" suits label maps (long vertical runs) and costs one subtraction per byte.
            var row = new byte[labels.Width + 1];
            var src = labels.Labels;
            for (int y = 0; y < labels.Height; y++)
            {
                int o = y * labels.Width;
                if (y == 0)
                {
                    row[0] = 0;
                    src.AsSpan(0, labels.Width).CopyTo(row.AsSpan(1));
                }
                else
                {
                    row[0] = 2;
                    for (int x = 0; x < labels.Width; x++) row[x + 1] = (byte)(src[o + x] - src[o - labels.Width + x]);
                }
                z.Write(row);
            }
        }
        WriteChunk(stream, "IDAT"u8, idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(stream, "IEND"u8, []);
    }

    /// <summary>Writes to a file (not atomically; the CLI renames a temporary file itself).</summary>
    public static void Write(string path, LabelMap labels, LabelPngFlavour flavour = LabelPngFlavour.Palette)
    {
        using var f = File.Create(path);
        Write(f, labels, flavour);
    }

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        stream.Write(word);
        stream.Write(type);
        stream.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xffffffffu, type), data) ^ 0xffffffffu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }
}

/// <summary>The CRC-32 (IEEE) that PNG chunks end with.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        return crc;
    }
}
