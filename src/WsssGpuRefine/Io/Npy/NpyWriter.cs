using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using WsssGpuRefine.Io.Arrays;

namespace WsssGpuRefine.Io.Npy;

/// <summary>
/// Writes NPY v1.0 files that numpy loads with <c>np.load</c> (no pickle): float32 score maps and
/// uint8 label stacks. The caller owns the stream (and any atomic rename).
/// </summary>
public static class NpyWriter
{
    /// <summary>Writes a little-endian float32 (<c>&lt;f4</c>) NPY, e.g. (C, H, W) score maps.</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="values">Row-major values, exactly the product of <paramref name="shape"/> of them.</param>
    /// <param name="shape">The dimensions numpy will see.</param>
    /// <exception cref="ArgumentException">A dimension is negative or the shape does not hold <paramref name="values"/>.Length values.</exception>
    public static void WriteFloat32(Stream stream, ReadOnlySpan<float> values, params int[] shape)
    {
        WriteHeader(stream, "<f4", shape, values.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        stream.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Writes a uint8 (<c>|u1</c>) NPY, e.g. (H, W) label maps or (N, H, W) label stacks.</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="values">Row-major values, exactly the product of <paramref name="shape"/> of them.</param>
    /// <param name="shape">The dimensions numpy will see.</param>
    /// <exception cref="ArgumentException">A dimension is negative or the shape does not hold <paramref name="values"/>.Length values.</exception>
    public static void WriteUInt8(Stream stream, ReadOnlySpan<byte> values, params int[] shape)
    {
        WriteHeader(stream, "|u1", shape, values.Length);
        stream.Write(values);
    }

    /// <summary>The number of values a shape holds; ArgumentException for a negative dimension.</summary>
    internal static long ValueCount(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException("dimensions must not be negative", nameof(shape));
            count *= d;
        }
        return count;
    }

    internal static void WriteHeader(Stream stream, string descr, int[] shape, long valueCount)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long count = ValueCount(shape);
        if (count != valueCount) throw new ArgumentException($"shape holds {count} values, not {valueCount}", nameof(shape));
        string dims = shape.Length == 1
            ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        var header = new StringBuilder($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
        // numpy pads so that the data starts on a 64-byte boundary, ending the header with '\n'.
        int total = 10 + header.Length + 1;
        header.Append(' ', (64 - total % 64) % 64).Append('\n');
        if (header.Length > ushort.MaxValue) throw new ArgumentException("too many dimensions", nameof(shape));
        Span<byte> prefix = stackalloc byte[10];
        NpyReader.Magic.CopyTo(prefix);
        prefix[6] = 1;
        prefix[7] = 0;
        prefix[8] = (byte)(header.Length & 0xff);
        prefix[9] = (byte)(header.Length >> 8);
        stream.Write(prefix);
        stream.Write(Encoding.Latin1.GetBytes(header.ToString()));
    }
}
