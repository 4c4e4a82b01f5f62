using System.Buffers.Binary;
using System.Runtime.InteropServices;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Npy;

/// <summary>
/// An n-dimensional array read from an NPY file, a pickled numpy array or a pickled torch tensor.
/// Whatever the source's byte order, memory order or strides, <see cref="Data"/> is always
/// little-endian and row-major (C order), so consumers never look at the layout again.
/// </summary>
public sealed class NpyArray
{
    internal NpyArray() { }

    /// <summary>Wraps numeric data that is already little-endian and row-major, without copying it.</summary>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <param name="dtype">The element type; its byte order is recorded as little-endian whatever is passed.</param>
    /// <param name="data">Product(shape) * item size bytes; kept, not copied.</param>
    /// <exception cref="ArgumentException">The dtype is Object, or the byte count does not match the shape.</exception>
    public NpyArray(int[] shape, NpyDType dtype, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (dtype.Type == NpyElementType.Object)
            throw new ArgumentException("object arrays carry Objects, not bytes", nameof(dtype));
        if (CountOf(shape) * dtype.ItemSize != data.Length)
            throw new ArgumentException($"data holds {data.Length} bytes, not {CountOf(shape)} x {dtype.ItemSize}", nameof(data));
        Shape = shape;
        DType = dtype with { BigEndian = false };
        Data = data;
    }

    /// <summary>The dimensions; empty for a 0-d (scalar) array.</summary>
    public int[] Shape { get; internal set; } = [];
    /// <summary>The element type (always reported little-endian: <see cref="Data"/> has been swapped).</summary>
    public NpyDType DType { get; internal set; }
    /// <summary>Row-major little-endian element bytes; empty for object arrays.</summary>
    /// <remarks>A pickled torch tensor is gathered from its storage on first access to its values (this, or any
    /// <c>To*</c> conversion), which throws <see cref="WsssInputException"/> when its file's element budget
    /// (<see cref="NpyReadLimits.MaxElements"/>) is spent.</remarks>
    public byte[] Data
    {
        // Pickled float32 data is decoded straight into a float[]; the byte view is made only if asked for.
        get
        {
            Materialise();
            return _data ??= _floats is null ? [] : MemoryMarshal.AsBytes(_floats.AsSpan()).ToArray();
        }
        internal set => _data = value;
    }

    private byte[]? _data;
    private float[]? _floats;
    private bool _floatsTaken;
    private LazyView? _view;

    /// <summary>
    /// A torch tensor's view over its storage, gathered only when the values are first asked for, and then
    /// charged to the file's element budget: a dump may hold entries its reader never looks at.
    /// </summary>
    private sealed record LazyView(byte[] Storage, long Offset, long[] Strides, ElementBudget Budget);

    /// <summary>Makes this a torch tensor whose row-major values are gathered from <paramref name="storage"/> on first use.</summary>
    internal void SetLazyView(int[] shape, NpyDType dtype, byte[] storage, long offset, long[] strides, ElementBudget budget)
    {
        Shape = shape;
        DType = dtype;
        _view = new LazyView(storage, offset, strides, budget);
        _data = null;
        _floats = null;
    }

    private void Materialise()
    {
        if (_view is not { } v) return;
        _view = null;
        v.Budget.Charge(Count);
        if (DType.Type == NpyElementType.Float32)
        {
            var values = new float[Count];
            GatherStrided(v.Storage, 4, v.Offset, Shape, v.Strides, MemoryMarshal.AsBytes(values.AsSpan()));
            _floats = values;
        }
        else
        {
            _data = GatherStrided(v.Storage, DType.ItemSize, v.Offset, Shape, v.Strides);
        }
    }

    /// <summary>Makes this a float32 array whose values already sit in <paramref name="values"/> (owned from now on).</summary>
    internal void SetFloat32(int[] shape, float[] values)
    {
        Shape = shape;
        DType = new NpyDType(NpyElementType.Float32, false);
        _floats = values;
        _data = null;
    }

    /// <summary>
    /// The float32 values without a copy when this array holds them as floats (the first call hands over
    /// the buffer; later calls get copies), else <see cref="ToFloat32"/>. For readers that consume the array.
    /// </summary>
    internal float[] TakeFloat32()
    {
        Materialise();
        if (_floats is null) return ToFloat32();
        if (_floatsTaken) return (float[])_floats.Clone();
        _floatsTaken = true;
        return _floats;
    }

    /// <summary>Copies the values as float32 into <paramref name="destination"/> (Count elements).</summary>
    internal void CopyFloat32To(Span<float> destination)
    {
        Materialise();
        if (_floats is not null) _floats.AsSpan().CopyTo(destination);
        else if (DType.Type == NpyElementType.Float32) MemoryMarshal.Cast<byte, float>(Data).CopyTo(destination);
        else ToFloat32().CopyTo(destination);
    }
    /// <summary>The elements of an object array (row-major), else null.</summary>
    public object?[]? Objects { get; internal set; }
    /// <summary>True when this array came from a pickled torch tensor rather than a numpy array.</summary>
    public bool IsTorchTensor { get; internal set; }
    /// <summary>A pickled array between numpy's _reconstruct and the BUILD that gives it its state.</summary>
    internal bool Pending { get; set; }

    /// <summary>Number of dimensions (0 for a scalar).</summary>
    public int Rank => Shape.Length;
    /// <summary>Number of elements, the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long Count => CountOf(Shape);

    internal static long CountOf(int[] shape)
    {
        long n = 1;
        try
        {
            foreach (int d in shape) n = checked(n * d);
        }
        catch (OverflowException)
        {
            throw new WsssInputException(null, $"array shape ({string.Join(", ", shape)}) is too large");
        }
        return n;
    }

    /// <summary>The values as float32, row-major (integers and booleans converted, float64 rounded).</summary>
    public float[] ToFloat32()
    {
        RequireNumeric();
        if (_floats is not null) return (float[])_floats.Clone();
        var result = new float[Count];
        ReadOnlySpan<byte> bytes = Data;
        switch (DType.Type)
        {
            case NpyElementType.Float32: MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result); break;
            case NpyElementType.Float64: Convert(MemoryMarshal.Cast<byte, double>(bytes), result, v => (float)v); break;
            case NpyElementType.Float16: Convert(MemoryMarshal.Cast<byte, Half>(bytes), result, v => (float)v); break;
            case NpyElementType.Bool: case NpyElementType.UInt8: Convert(bytes, result, v => v); break;
            case NpyElementType.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(bytes), result, v => v); break;
            case NpyElementType.Int16: Convert(MemoryMarshal.Cast<byte, short>(bytes), result, v => v); break;
            case NpyElementType.UInt16: Convert(MemoryMarshal.Cast<byte, ushort>(bytes), result, v => v); break;
            case NpyElementType.Int32: Convert(MemoryMarshal.Cast<byte, int>(bytes), result, v => v); break;
            case NpyElementType.UInt32: Convert(MemoryMarshal.Cast<byte, uint>(bytes), result, v => v); break;
            case NpyElementType.Int64: Convert(MemoryMarshal.Cast<byte, long>(bytes), result, v => v); break;
            case NpyElementType.UInt64: Convert(MemoryMarshal.Cast<byte, ulong>(bytes), result, v => v); break;
        }
        return result;
    }

    /// <summary>The values as float64, row-major (exact for every numeric type but 64-bit integers beyond 2^53).</summary>
    public double[] ToFloat64()
    {
        RequireNumeric();
        if (DType.Type == NpyElementType.Float64)
            return MemoryMarshal.Cast<byte, double>(Data).ToArray();
        if (DType.IsInteger || DType.Type == NpyElementType.Bool)
        {
            var ints = ToInt64();
            var d = new double[ints.Length];
            if (DType.Type == NpyElementType.UInt64)
                for (int i = 0; i < d.Length; i++) d[i] = (ulong)ints[i];
            else
                for (int i = 0; i < d.Length; i++) d[i] = ints[i];
            return d;
        }
        return Array.ConvertAll(ToFloat32(), v => (double)v);
    }

    /// <summary>The values as int64, row-major. Only integer and boolean arrays qualify.</summary>
    public long[] ToInt64()
    {
        RequireNumeric();
        if (!DType.IsInteger && DType.Type != NpyElementType.Bool)
            throw new WsssInputException(null, $"expected an integer array, found dtype {DType}");
        var result = new long[Count];
        ReadOnlySpan<byte> bytes = Data;
        switch (DType.Type)
        {
            case NpyElementType.Bool: case NpyElementType.UInt8: Convert(bytes, result, v => v); break;
            case NpyElementType.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(bytes), result, v => v); break;
            case NpyElementType.Int16: Convert(MemoryMarshal.Cast<byte, short>(bytes), result, v => v); break;
            case NpyElementType.UInt16: Convert(MemoryMarshal.Cast<byte, ushort>(bytes), result, v => v); break;
            case NpyElementType.Int32: Convert(MemoryMarshal.Cast<byte, int>(bytes), result, v => v); break;
            case NpyElementType.UInt32: Convert(MemoryMarshal.Cast<byte, uint>(bytes), result, v => v); break;
            case NpyElementType.Int64: case NpyElementType.UInt64:
                MemoryMarshal.Cast<byte, long>(bytes).CopyTo(result); break;
        }
        return result;
    }

    private void RequireNumeric()
    {
        Materialise();
        if (DType.Type == NpyElementType.Object)
            throw new WsssInputException(null, "expected a numeric array, found an object array");
    }

    private static void Convert<TIn, TOut>(ReadOnlySpan<TIn> src, Span<TOut> dst, Func<TIn, TOut> f)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = f(src[i]);
    }

    /// <summary>Reverses each element's bytes in place (big-endian source to little-endian).</summary>
    internal static void SwapBytes(Span<byte> data, int itemSize)
    {
        switch (itemSize)
        {
            case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(data), MemoryMarshal.Cast<byte, ushort>(data)); break;
            case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(data), MemoryMarshal.Cast<byte, uint>(data)); break;
            case 8: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(data), MemoryMarshal.Cast<byte, ulong>(data)); break;
        }
    }

    /// <summary>
    /// Gathers a strided view (strides and offset counted in elements, as numpy's Fortran order and
    /// torch's as_strided use them) into a fresh row-major buffer. The caller has checked bounds.
    /// </summary>
    internal static byte[] GatherStrided(ReadOnlySpan<byte> source, int itemSize, long offset, int[] shape, long[] strides)
    {
        var result = new byte[CountOf(shape) * itemSize];
        GatherStrided(source, itemSize, offset, shape, strides, result);
        return result;
    }

    /// <summary>Gathers a strided view into <paramref name="result"/> (CountOf(shape) * itemSize bytes).</summary>
    internal static void GatherStrided(ReadOnlySpan<byte> source, int itemSize, long offset, int[] shape, long[] strides, Span<byte> result)
    {
        long count = CountOf(shape);
        if (count == 0) return;
        int rank = shape.Length;
        if (rank == 0)
        {
            source.Slice((int)(offset * itemSize), itemSize).CopyTo(result);
            return;
        }
        int inner = shape[rank - 1];
        long innerStride = strides[rank - 1];
        var index = new int[rank];
        long outPos = 0;
        long rowBase = offset;
        while (true)
        {
            if (innerStride == 1)
            {
                source.Slice(checked((int)(rowBase * itemSize)), inner * itemSize)
                    .CopyTo(result[checked((int)(outPos * itemSize))..]);
            }
            else
            {
                for (int x = 0; x < inner; x++)
                    source.Slice(checked((int)((rowBase + x * innerStride) * itemSize)), itemSize)
                        .CopyTo(result[checked((int)((outPos + x) * itemSize))..]);
            }
            outPos += inner;
            // Odometer over the outer axes.
            int axis = rank - 2;
            while (axis >= 0)
            {
                index[axis]++;
                rowBase += strides[axis];
                if (index[axis] < shape[axis]) break;
                rowBase -= strides[axis] * shape[axis];
                index[axis] = 0;
                axis--;
            }
            if (axis < 0) break;
        }
    }
}
