using System.Buffers.Binary;
using System.Numerics;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;

namespace WsssGpuRefine.Io.Pickle;

// How unpickled Python values appear in C#:
//   None -> null, bool -> bool, int -> long (BigInteger beyond 64 bits), float -> double, str -> string,
//   bytes -> byte[], tuple -> object?[], list -> List<object?>, dict / OrderedDict -> PyDict,
//   numpy array / torch tensor -> NpyArray, numpy scalar -> NpyScalar.

/// <summary>A Python dict; keys compare as Python compares them (an int32 numpy scalar equals the same int).</summary>
public sealed class PyDict : Dictionary<object, object?>
{
    /// <summary>An empty dict using Python's key equality.</summary>
    public PyDict() : base(PyKeyComparer.Instance) { }
}

/// <summary>One numpy scalar (e.g. the <c>np.int32</c> image-id keys of IRN's <c>cls_labels.npy</c>).</summary>
public sealed class NpyScalar(NpyDType dtype, byte[] littleEndianBytes)
{
    /// <summary>The scalar's numpy dtype.</summary>
    public NpyDType DType { get; } = dtype;
    /// <summary>The value's bytes, little-endian.</summary>
    public byte[] Bytes { get; } = littleEndianBytes;

    /// <summary>True for integer and bool scalars, which <see cref="ToInt64"/> reads exactly.</summary>
    public bool IsInteger => DType.IsInteger || DType.Type == NpyElementType.Bool;

    /// <summary>The value as a 64-bit integer (uint64 above long.MaxValue wraps).</summary>
    /// <exception cref="WsssInputException">The scalar is a float.</exception>
    public long ToInt64()
    {
        ReadOnlySpan<byte> b = Bytes;
        return DType.Type switch
        {
            NpyElementType.Bool or NpyElementType.UInt8 => b[0],
            NpyElementType.Int8 => (sbyte)b[0],
            NpyElementType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
            NpyElementType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
            NpyElementType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
            NpyElementType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            NpyElementType.Int64 or NpyElementType.UInt64 => BinaryPrimitives.ReadInt64LittleEndian(b),
            _ => throw new WsssInputException(null, $"numpy scalar of dtype {DType} is not an integer"),
        };
    }

    /// <summary>The value as a double (integers converted; float16/32 widened exactly).</summary>
    public double ToDouble() => DType.Type switch
    {
        NpyElementType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(Bytes),
        NpyElementType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(Bytes),
        NpyElementType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(Bytes),
        NpyElementType.UInt64 => (ulong)ToInt64(),
        _ => ToInt64(),
    };

    /// <summary>The value as Python prints it, invariant culture (integers exactly, floats round-trippable).</summary>
    public override string ToString() => IsInteger ? ToInt64().ToString(System.Globalization.CultureInfo.InvariantCulture)
        : ToDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Python's key equality for the key types dumps use: str, int (any width, numpy or not), bool.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    private static object Normalise(object o) => o switch
    {
        bool b => (BigInteger)(b ? 1 : 0),
        long l => (BigInteger)l,
        int i => (BigInteger)i,
        NpyScalar { IsInteger: true } s => (BigInteger)s.ToInt64(),
        NpyScalar s => s.ToDouble(),
        _ => o,
    };

    public new bool Equals(object? x, object? y)
    {
        if (x is null || y is null) return x is null && y is null;
        var a = Normalise(x);
        var b = Normalise(y);
        if (a is object?[] ta && b is object?[] tb)
            return ta.Length == tb.Length && ta.Zip(tb).All(p => Equals(p.First, p.Second));
        return a.Equals(b);
    }

    public int GetHashCode(object obj)
    {
        var n = Normalise(obj);
        if (n is object?[] t)
        {
            var h = new HashCode();
            foreach (var item in t) h.Add(item is null ? 0 : GetHashCode(item));
            return h.ToHashCode();
        }
        return n.GetHashCode();
    }
}
