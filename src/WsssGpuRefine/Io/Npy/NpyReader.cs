using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Pickle;

namespace WsssGpuRefine.Io.Npy;

/// <summary>A float32 array read straight into its final buffer (see <see cref="NpyReader.ReadFloat32(string)"/>).</summary>
public sealed record NpyFloat32Array(int[] Shape, float[] Data);

/// <summary>
/// Reads NPY files (format versions 1, 2 and 3): plain numeric arrays of any rank, either byte order and
/// either memory order, and object arrays (<c>|O</c>), whose pickled body goes through the
/// <see cref="SafeUnpickler"/> and never runs code.
/// </summary>
public static class NpyReader
{
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int MaxHeaderLength = 1 << 20;
    /// <summary>Object files up to this size are read into a pooled buffer; larger ones get their own.</summary>
    private const int PooledFileLimit = 64 << 20;

    /// <summary>Reads a file; every failure is a <see cref="WsssInputException"/> naming <paramref name="path"/>.</summary>
    /// <remarks>Plain arrays are read straight into their data buffer (no whole-file copy).</remarks>
    /// <param name="path">The file.</param>
    /// <param name="limits">What the file may make the reader allocate (<see cref="NpyReadLimits.Default"/> when null).</param>
    public static NpyArray Read(string path, NpyReadLimits? limits = null) => InputFile.ReadItem(path, () =>
    {
        limits ??= NpyReadLimits.Default;
        using var file = OpenRead(path);
        var (header, dtype) = ReadHeader(file);
        if (dtype.Type == NpyElementType.Object) return ReadPickledBody(file, header, limits);
        long need = NpyArray.DataLength(header.Shape, dtype);
        limits.NewBudget().Charge(NpyArray.CountOf(header.Shape));
        RequireInFile(file, need);
        var data = new byte[need];
        ReadExactly(file, data);
        return NpyArray.Normalise(data, dtype, header.Shape, header.FortranOrder);
    });

    /// <summary>
    /// Reads a numeric array as float32. A little- or big-endian <c>f4</c> array in C order (the CAM and
    /// affinity-matrix case) is read directly into the returned buffer, so a 550 MB matrix costs 550 MB;
    /// any other numeric layout is converted.
    /// </summary>
    public static NpyFloat32Array ReadFloat32(string path) => InputFile.ReadItem(path, () =>
    {
        using var file = OpenRead(path);
        var (header, dtype) = ReadHeader(file);
        if (dtype.Type == NpyElementType.Object)
            throw new WsssInputException(null, "expected a numeric array, found an object (pickled) array");
        if (dtype.Type == NpyElementType.Float32 && (!header.FortranOrder || header.Shape.Length <= 1))
        {
            long count = NpyArray.CountOf(header.Shape);
            RequireInFile(file, NpyArray.DataLength(header.Shape, dtype));
            var values = new float[count];
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            ReadExactly(file, bytes);
            if (dtype.BigEndian) NpyArray.SwapBytes(bytes, 4);
            return new NpyFloat32Array(header.Shape, values);
        }
        long length = NpyArray.DataLength(header.Shape, dtype);
        RequireInFile(file, length);
        var data = new byte[length];
        ReadExactly(file, data);
        var array = NpyArray.Normalise(data, dtype, header.Shape, header.FortranOrder);
        return new NpyFloat32Array(array.Shape, array.ToFloat32());
    });

    /// <summary>Reads an NPY stream to its end.</summary>
    /// <param name="stream">The NPY bytes; read to its end, left open.</param>
    /// <param name="limits">What the stream may make the reader allocate (<see cref="NpyReadLimits.Default"/> when null).</param>
    public static NpyArray Read(Stream stream, NpyReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Read(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), limits);
    }

    /// <summary>Reads NPY bytes already in memory. Object arrays come back with <see cref="NpyArray.Objects"/> set.</summary>
    /// <param name="file">The NPY bytes.</param>
    /// <param name="limits">What the bytes may make the reader allocate (<see cref="NpyReadLimits.Default"/> when null).</param>
    public static NpyArray Read(ReadOnlyMemory<byte> file, NpyReadLimits? limits = null)
    {
        limits ??= NpyReadLimits.Default;
        var stream = new ReadOnlyMemoryStream(file);
        var (header, dtype) = ReadHeader(stream);
        var body = file[(int)stream.Position..];
        if (dtype.Type == NpyElementType.Object) return Unpickle(body, header, limits);
        limits.NewBudget().Charge(NpyArray.CountOf(header.Shape));
        return NpyArray.FromRaw(body.Span, dtype, header.Shape, header.FortranOrder);
    }

    // ---------------------------------------------------------------- shared parts
    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);

    private static (NpyHeader Header, NpyDType DType) ReadHeader(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[12];
        if (stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false) < 10 || !prefix[..6].SequenceEqual(Magic))
            throw new WsssInputException(null, "not an NPY file (bad magic)");
        byte major = prefix[6];
        int headerLength;
        Encoding encoding;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
                encoding = Encoding.Latin1;
                break;
            case 2:
            case 3:
                if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
                    throw new WsssInputException(null, "truncated NPY header");
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
                if (len > MaxHeaderLength) throw new WsssInputException(null, $"NPY header of {len} bytes is implausibly long");
                headerLength = (int)len;
                encoding = major == 2 ? Encoding.Latin1 : Encoding.UTF8;
                break;
            default:
                throw new WsssInputException(null, $"unsupported NPY format version {major}.{prefix[7]}");
        }
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerLength, throwOnEndOfStream: false) < headerLength)
            throw new WsssInputException(null, "truncated NPY header");
        var header = NpyHeader.Parse(encoding.GetString(headerBytes));
        return (header, NpyDType.ParseOrThrow(header.Descr));
    }

    /// <summary>A declared size the file cannot hold is refused before anything that large is allocated.</summary>
    private static void RequireInFile(FileStream file, long need)
    {
        long available = file.Length - file.Position;
        if (available < need)
            throw new WsssInputException(null, $"truncated array data: expected {need} bytes, found {available}");
    }

    private static void ReadExactly(Stream stream, Span<byte> destination)
    {
        int got = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (got < destination.Length)
            throw new WsssInputException(null, $"truncated array data: expected {destination.Length} bytes, found {got}");
    }

    private static NpyArray ReadPickledBody(FileStream file, NpyHeader header, NpyReadLimits limits)
    {
        long remaining = file.Length - file.Position;
        if (remaining > int.MaxValue) throw new WsssInputException(null, "pickled NPY body is too large");
        int length = (int)remaining;
        // Pickled dumps are read per image: a pooled buffer keeps them off the large-object heap. Nothing
        // parsed keeps a reference into it (array data, strings and bytes are all copied out).
        byte[] buffer = length <= PooledFileLimit ? ArrayPool<byte>.Shared.Rent(Math.Max(length, 1)) : new byte[length];
        try
        {
            int got = file.ReadAtLeast(buffer.AsSpan(0, length), length, throwOnEndOfStream: false);
            return Unpickle(buffer.AsMemory(0, got), header, limits);
        }
        finally
        {
            if (length <= PooledFileLimit) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static NpyArray Unpickle(ReadOnlyMemory<byte> body, NpyHeader header, NpyReadLimits limits)
    {
        var content = SafeUnpickler.Load(body, limits);
        if (content is not NpyArray array || array.DType.Type != NpyElementType.Object)
            throw new WsssInputException(null, "the pickle in an object NPY file is not a numpy object array");
        if (!array.Shape.AsSpan().SequenceEqual(header.Shape))
            throw new WsssInputException(null, "the pickled array's shape differs from the NPY header's");
        return array;
    }

    /// <summary>A read-only stream over memory, so in-memory and file reads share the header parser.</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
