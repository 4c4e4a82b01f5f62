using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Arrays;

/// <summary>The element kinds the readers understand (numpy's and torch's plain numeric types).</summary>
public enum NpyElementType
{
    /// <summary>numpy <c>bool</c> (<c>|b1</c>), one byte, 0 or 1.</summary>
    Bool,
    /// <summary>Signed 8-bit integer (<c>i1</c>).</summary>
    Int8,
    /// <summary>Unsigned 8-bit integer (<c>u1</c>), the type of label maps.</summary>
    UInt8,
    /// <summary>Signed 16-bit integer (<c>i2</c>).</summary>
    Int16,
    /// <summary>Unsigned 16-bit integer (<c>u2</c>).</summary>
    UInt16,
    /// <summary>Signed 32-bit integer (<c>i4</c>), e.g. IRN's image-id keys.</summary>
    Int32,
    /// <summary>Unsigned 32-bit integer (<c>u4</c>).</summary>
    UInt32,
    /// <summary>Signed 64-bit integer (<c>i8</c>), e.g. torch's int64 <c>keys</c>.</summary>
    Int64,
    /// <summary>Unsigned 64-bit integer (<c>u8</c>).</summary>
    UInt64,
    /// <summary>IEEE half precision (<c>f2</c>); widened to float32 on conversion.</summary>
    Float16,
    /// <summary>IEEE single precision (<c>f4</c>), the type CAMs are usually stored in.</summary>
    Float32,
    /// <summary>IEEE double precision (<c>f8</c>); narrowed to float32 on conversion.</summary>
    Float64,
    /// <summary>Python objects (numpy dtype <c>O</c>); the values live in <see cref="NpyArray.Objects"/>.</summary>
    Object,
}

/// <summary>A numpy dtype as written in an NPY header (<c>&lt;f4</c>, <c>|u1</c>, <c>&gt;i8</c>, ...).</summary>
public readonly record struct NpyDType(NpyElementType Type, bool BigEndian)
{
    /// <summary>Bytes per element (8 for Object, a reference slot).</summary>
    public int ItemSize => ItemSizeOf(Type);

    /// <summary>True for the signed and unsigned integer types (not Bool).</summary>
    public bool IsInteger => Type is >= NpyElementType.Int8 and <= NpyElementType.UInt64;

    /// <summary>Bytes per element of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined element type.</exception>
    public static int ItemSizeOf(NpyElementType type) => type switch
    {
        NpyElementType.Bool or NpyElementType.Int8 or NpyElementType.UInt8 => 1,
        NpyElementType.Int16 or NpyElementType.UInt16 or NpyElementType.Float16 => 2,
        NpyElementType.Int32 or NpyElementType.UInt32 or NpyElementType.Float32 => 4,
        NpyElementType.Int64 or NpyElementType.UInt64 or NpyElementType.Float64 => 8,
        NpyElementType.Object => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>numpy's spelling, little-endian unless <see cref="BigEndian"/>; one-byte types use <c>|</c>.</summary>
    public string Descr
    {
        get
        {
            var (kind, size) = Type switch
            {
                NpyElementType.Bool => ('b', 1),
                NpyElementType.Int8 => ('i', 1),
                NpyElementType.UInt8 => ('u', 1),
                NpyElementType.Int16 => ('i', 2),
                NpyElementType.UInt16 => ('u', 2),
                NpyElementType.Int32 => ('i', 4),
                NpyElementType.UInt32 => ('u', 4),
                NpyElementType.Int64 => ('i', 8),
                NpyElementType.UInt64 => ('u', 8),
                NpyElementType.Float16 => ('f', 2),
                NpyElementType.Float32 => ('f', 4),
                NpyElementType.Float64 => ('f', 8),
                _ => ('O', 0),
            };
            if (Type == NpyElementType.Object) return "|O";
            char order = size == 1 ? '|' : BigEndian ? '>' : '<';
            return $"{order}{kind}{size}";
        }
    }

    /// <summary>numpy's spelling, e.g. <c>&lt;f4</c> (see <see cref="Descr"/>).</summary>
    public override string ToString() => Descr;

    /// <summary>
    /// Parses a dtype string such as <c>&lt;f4</c>, <c>|b1</c>, <c>O</c>, <c>f8</c> or <c>O8</c> (the pickled
    /// dtype form, whose byte order arrives separately). Returns false for anything else (complex,
    /// strings, datetimes, structured types).
    /// </summary>
    public static bool TryParse(string descr, out NpyDType dtype)
    {
        dtype = default;
        if (string.IsNullOrEmpty(descr)) return false;
        bool big = false;
        int i = 0;
        switch (descr[0])
        {
            case '<': case '=': case '|': i = 1; break;
            case '>': big = true; i = 1; break;
        }
        var rest = descr.AsSpan(i);
        if (rest.Length == 0) return false;
        char kind = rest[0];
        int size = 0;
        if (rest.Length > 1 && !int.TryParse(rest[1..], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out size))
            return false;
        NpyElementType? type = (kind, size) switch
        {
            ('O', 0 or 8) => NpyElementType.Object,
            ('b', 1) or ('?', 0) => NpyElementType.Bool,
            ('i', 1) or ('b', 0) => NpyElementType.Int8,
            ('u', 1) or ('B', 0) => NpyElementType.UInt8,
            ('i', 2) => NpyElementType.Int16,
            ('u', 2) => NpyElementType.UInt16,
            ('i', 4) => NpyElementType.Int32,
            ('u', 4) => NpyElementType.UInt32,
            ('i', 8) => NpyElementType.Int64,
            ('u', 8) => NpyElementType.UInt64,
            ('f', 2) or ('e', 0) => NpyElementType.Float16,
            ('f', 4) => NpyElementType.Float32,
            ('f', 8) or ('d', 0) => NpyElementType.Float64,
            _ => null,
        };
        if (type is null) return false;
        // A byte order on one-byte types means nothing; normalise so equal dtypes compare equal.
        dtype = new NpyDType(type.Value, big && ItemSizeOf(type.Value) > 1 && type != NpyElementType.Object);
        return true;
    }

    internal static NpyDType ParseOrThrow(string descr) =>
        TryParse(descr, out var d) ? d : throw new WsssInputException(null, $"unsupported numpy dtype '{descr}'");
}
