using System.Buffers.Binary;
using System.IO.Compression;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Png;

/// <summary>
/// Reads label PNGs by sample value: the palette INDEX of palette PNGs (VOC SegmentationClass, BES,
/// SSDD, WSGCN outputs) and the grey level of 8-bit grayscale PNGs (SegmentationClassAug, IRN). Image
/// libraries decode palette PNGs to colours, which loses the class whenever two entries share a
/// colour, so this decodes the PNG itself: chunks, zlib, unfiltering, bit unpacking, Adam7.
/// </summary>
public static class LabelPngReader
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a];

    /// <summary>Reads a label PNG; every failure is a <see cref="WsssInputException"/> naming the file.</summary>
    public static LabelMap Read(string path)
    {
        return InputFile.ReadItem(path, () => Decode(File.ReadAllBytes(path)));
    }

    /// <summary>Decodes PNG bytes (palette with 1, 2, 4 or 8 bits, or 8-bit grayscale) to per-pixel values.</summary>
    public static LabelMap Decode(ReadOnlySpan<byte> png)
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(Signature))
            throw new WsssInputException(null, "not a PNG file");
        int pos = 8;
        int width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
        bool seenHeader = false, seenEnd = false;
        using var compressed = new MemoryStream();
        while (pos < png.Length)
        {
            if (png.Length - pos < 12) throw Truncated();
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png[pos..]);
            var type = png.Slice(pos + 4, 4);
            if (length > int.MaxValue || png.Length - pos - 12 < length) throw Truncated();
            var data = png.Slice(pos + 8, (int)length);
            pos += 12 + (int)length;
            if (type.SequenceEqual("IHDR"u8))
            {
                if (length != 13) throw new WsssInputException(null, "bad PNG header chunk");
                uint w = BinaryPrimitives.ReadUInt32BigEndian(data), h = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                if (w == 0 || h == 0 || w > int.MaxValue || h > int.MaxValue)
                    throw new WsssInputException(null, $"bad PNG size {w}x{h}");
                // Before any image data is gathered: a 0.9 MB PNG can declare 30000x30000 (1.8 GB to inflate).
                if (Images.ImageLimits.Check(w, h) is { } tooLarge) throw new WsssInputException(null, tooLarge);
                (width, height) = ((int)w, (int)h);
                bitDepth = data[8];
                colorType = data[9];
                if (data[10] != 0 || data[11] != 0) throw new WsssInputException(null, "unknown PNG compression or filter method");
                interlace = data[12];
                if (interlace > 1) throw new WsssInputException(null, "unknown PNG interlace method");
                seenHeader = true;
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                if (!seenHeader) throw new WsssInputException(null, "PNG image data before its header");
                compressed.Write(data);
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                seenEnd = true;
                break;
            }
        }
        if (!seenHeader) throw new WsssInputException(null, "PNG has no header chunk");
        if (!seenEnd) throw Truncated();
        switch (colorType)
        {
            case 3 when bitDepth is 1 or 2 or 4 or 8:
            case 0 when bitDepth == 8:
                break;
            case 0:
                throw new WsssInputException(null, $"{bitDepth}-bit grayscale PNG is not a label map (expected 8-bit)");
            default:
                throw new WsssInputException(null,
                    $"PNG colour type {ColorTypeName(colorType)} is not a label map (expected a palette or 8-bit grayscale PNG)");
        }
        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue)
            throw new WsssInputException(null, $"bad PNG size {width}x{height}");

        byte[] raw = Inflate(compressed, ExpectedRawLength(width, height, bitDepth, interlace));
        var labels = new byte[width * height];
        if (interlace == 0)
        {
            int used = Unfilter(raw, 0, width, height, bitDepth, labels, 0, 0, 1, 1);
            if (used > raw.Length) throw Truncated();
        }
        else
        {
            // Adam7: (x0, y0, dx, dy) per pass.
            ReadOnlySpan<int> passes = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];
            int offset = 0;
            for (int p = 0; p < 7; p++)
            {
                int x0 = passes[p * 4], y0 = passes[p * 4 + 1], dx = passes[p * 4 + 2], dy = passes[p * 4 + 3];
                int pw = (width - x0 + dx - 1) / dx, ph = (height - y0 + dy - 1) / dy;
                if (pw <= 0 || ph <= 0) continue;
                offset += Unfilter(raw, offset, pw, ph, bitDepth, labels, x0, y0, dx, dy, width);
                if (offset > raw.Length) throw Truncated();
            }
        }
        return new LabelMap(height, width, labels);
    }

    private static WsssInputException Truncated() => new(null, "truncated or corrupt PNG");

    private static string ColorTypeName(int t) => t switch
    {
        2 => "RGB",
        4 => "grayscale+alpha",
        6 => "RGBA",
        _ => t.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The filtered image size: one filter byte per row plus the packed samples (per Adam7 pass).</summary>
    private static long ExpectedRawLength(int width, int height, int bitDepth, int interlace)
    {
        static long Plain(long w, long h, int bits) => w <= 0 || h <= 0 ? 0 : h * (1 + (w * bits + 7) / 8);
        if (interlace == 0) return Plain(width, height, bitDepth);
        long total = 0;
        ReadOnlySpan<int> passes = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];
        for (int p = 0; p < 7; p++)
            total += Plain((width - passes[p * 4] + passes[p * 4 + 2] - 1) / passes[p * 4 + 2],
                (height - passes[p * 4 + 1] + passes[p * 4 + 3] - 1) / passes[p * 4 + 3], bitDepth);
        return total;
    }

    private static byte[] Inflate(MemoryStream compressed, long expected)
    {
        if (expected > int.MaxValue) throw new WsssInputException(null, "PNG image is too large");
        // Deflate expands at most ~1032:1, so a header promising more than that is corrupt; checking
        // first keeps a forged size from allocating gigabytes.
        if (expected > compressed.Length * 1032L + 1024) throw Truncated();
        compressed.Position = 0;
        // The exact size is known, so a stream that inflates to more (a zip bomb) is never read past it.
        var raw = new byte[expected];
        try
        {
            using var z = new ZLibStream(compressed, CompressionMode.Decompress);
            int got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            if (got < raw.Length) throw Truncated();
            return raw;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Corrupt deflate data raises InvalidDataException or, for some streams, ZLibException (an IOException);
            // found by the fuzzer (fuzz/).
            throw Truncated();
        }
    }

    /// <summary>
    /// Reverses the per-row filters of one (sub-)image starting at <paramref name="offset"/> and scatters
    /// its samples into <paramref name="labels"/>; returns the bytes the image occupied.
    /// </summary>
    private static int Unfilter(byte[] raw, int offset, int width, int height, int bitDepth, byte[] labels,
        int x0, int y0, int dx, int dy, int fullWidth = -1)
    {
        if (fullWidth < 0) fullWidth = width;
        int stride = (width * bitDepth + 7) / 8;
        long need = (long)(stride + 1) * height;
        if (offset + need > raw.Length) throw Truncated();
        // Filters look one byte (bpp) to the left; sub-byte depths use 1, as the PNG spec says.
        const int bpp = 1;
        var previous = new byte[stride];
        var current = new byte[stride];
        int samplesPerByte = 8 / bitDepth;
        int mask = (1 << bitDepth) - 1;
        for (int y = 0; y < height; y++)
        {
            int rowStart = offset + y * (stride + 1);
            byte filter = raw[rowStart];
            raw.AsSpan(rowStart + 1, stride).CopyTo(current);
            switch (filter)
            {
                case 0: break;
                case 1:
                    for (int i = bpp; i < stride; i++) current[i] += current[i - bpp];
                    break;
                case 2:
                    for (int i = 0; i < stride; i++) current[i] += previous[i];
                    break;
                case 3:
                    for (int i = 0; i < stride; i++)
                        current[i] += (byte)(((i >= bpp ? current[i - bpp] : 0) + previous[i]) >> 1);
                    break;
                case 4:
                    for (int i = 0; i < stride; i++)
                    {
                        int a = i >= bpp ? current[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
                        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                        current[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                    }
                    break;
                default:
                    throw new WsssInputException(null, $"corrupt PNG: unknown row filter {filter}");
            }
            int outRow = (y0 + y * dy) * fullWidth;
            if (bitDepth == 8 && dx == 1)
            {
                current.AsSpan(0, width).CopyTo(labels.AsSpan(outRow + x0, width));
            }
            else
            {
                for (int x = 0; x < width; x++)
                {
                    int value = bitDepth == 8 ? current[x]
                        : (current[x / samplesPerByte] >> (8 - bitDepth * (x % samplesPerByte + 1))) & mask;
                    labels[outRow + x0 + x * dx] = (byte)value;
                }
            }
            (previous, current) = (current, previous);
        }
        return (int)need;
    }
}
