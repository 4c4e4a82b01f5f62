using System.Buffers.Binary;
using System.Text;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Pickle;

namespace WsssGpuRefine.Io.Npy;

/// <summary>
/// Reads NPY files (format versions 1, 2 and 3): plain numeric arrays of any rank, either byte order and
/// either memory order, and object arrays (<c>|O</c>), whose pickled body goes through the
/// <see cref="SafeUnpickler"/> and never runs code.
/// </summary>
public static class NpyReader
{
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeaderLength = 1 << 20;

    /// <summary>Reads a file; every failure is a <see cref="WsssInputException"/> naming <paramref name="path"/>.</summary>
    public static NpyArray Read(string path)
    {
        // The file buffer is pooled: nothing parsed keeps a reference to it (array data, strings and
        // pickled bytes are all copied out), so per-image reads do not churn the large-object heap.
        byte[]? rented = null;
        try
        {
            int length;
            using (var handle = File.OpenHandle(path))
            {
                long fileLength = RandomAccess.GetLength(handle);
                if (fileLength > int.MaxValue) throw new WsssInputException(path, "file is too large for an NPY dump");
                length = (int)fileLength;
                rented = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                int read = 0;
                while (read < length)
                {
                    int n = RandomAccess.Read(handle, rented.AsSpan(read, length - read), read);
                    if (n == 0) break;
                    read += n;
                }
                length = read;
            }
            return Read(rented.AsMemory(0, length));
        }
        catch (WsssInputException e)
        {
            throw e.WithFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WsssInputException(path, $"cannot read: {e.Message}", e);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Reads an NPY stream to its end.</summary>
    public static NpyArray Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    /// <summary>Reads NPY bytes already in memory. Object arrays come back with <see cref="NpyArray.Objects"/> set.</summary>
    public static NpyArray Read(ReadOnlyMemory<byte> file)
    {
        var span = file.Span;
        if (span.Length < 10 || !span[..6].SequenceEqual(Magic))
            throw new WsssInputException(null, "not an NPY file (bad magic)");
        byte major = span[6];
        int headerLength, headerStart;
        Encoding encoding;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
                headerStart = 10;
                encoding = Encoding.Latin1;
                break;
            case 2:
            case 3:
                if (span.Length < 12) throw new WsssInputException(null, "truncated NPY header");
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
                if (len > MaxHeaderLength) throw new WsssInputException(null, $"NPY header of {len} bytes is implausibly long");
                headerLength = (int)len;
                headerStart = 12;
                encoding = major == 2 ? Encoding.Latin1 : Encoding.UTF8;
                break;
            default:
                throw new WsssInputException(null, $"unsupported NPY format version {major}.{span[7]}");
        }
        if (span.Length < headerStart + headerLength)
            throw new WsssInputException(null, "truncated NPY header");
        var header = NpyHeader.Parse(encoding.GetString(span.Slice(headerStart, headerLength)));
        var dtype = NpyDType.ParseOrThrow(header.Descr);
        var body = file[(headerStart + headerLength)..];

        if (dtype.Type == NpyElementType.Object)
        {
            var content = SafeUnpickler.Load(body);
            if (content is not NpyArray array || array.DType.Type != NpyElementType.Object)
                throw new WsssInputException(null, "the pickle in an object NPY file is not a numpy object array");
            if (!array.Shape.AsSpan().SequenceEqual(header.Shape))
                throw new WsssInputException(null, "the pickled array's shape differs from the NPY header's");
            return array;
        }
        return FromRaw(body.Span, dtype, header.Shape, header.FortranOrder);
    }

    /// <summary>Builds a row-major little-endian array from raw element bytes in either byte and memory order.</summary>
    internal static NpyArray FromRaw(ReadOnlySpan<byte> raw, NpyDType dtype, int[] shape, bool fortranOrder, byte[]? reusable = null)
    {
        long count = NpyArray.CountOf(shape);
        long need = count * dtype.ItemSize;
        if (need > int.MaxValue) throw new WsssInputException(null, $"array of {count} elements is too large");
        if (raw.Length < need)
            throw new WsssInputException(null, $"truncated array data: expected {need} bytes, found {raw.Length}");
        byte[] data;
        if (fortranOrder && shape.Length > 1)
        {
            var strides = new long[shape.Length];
            long s = 1;
            for (int i = 0; i < shape.Length; i++) { strides[i] = s; s *= shape[i]; }
            data = NpyArray.GatherStrided(raw[..(int)need], dtype.ItemSize, 0, shape, strides);
        }
        else if (reusable is not null && reusable.Length == need && !dtype.BigEndian)
        {
            // A pickled array's data bytes are already a private copy: keep them instead of copying again
            // (only when nothing will be swapped in place, since memoised bytes may be shared).
            data = reusable;
        }
        else
        {
            data = raw[..(int)need].ToArray();
        }
        if (dtype.BigEndian) NpyArray.SwapBytes(data, dtype.ItemSize);
        if (dtype.Type == NpyElementType.Bool)
            foreach (byte b in data)
                if (b > 1) throw new WsssInputException(null, "boolean array holds a byte other than 0 or 1");
        return new NpyArray { Shape = shape, DType = dtype with { BigEndian = false }, Data = data };
    }
}
