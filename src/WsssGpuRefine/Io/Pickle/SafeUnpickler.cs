using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;

namespace WsssGpuRefine.Io.Pickle;

/// <summary>
/// A restricted pickle interpreter for what numpy's <c>np.save</c> and torch's tensor pickling write
/// (protocols 2 to 4). It is a data decoder, not an object loader: a global resolves only to an entry
/// of a fixed allowlist of numpy/torch reconstruction functions, each of which this class implements
/// itself, so no pickle can make it call anything else.
/// </summary>
/// <remarks>
/// Razorvine.Pickle is not used for this: its opcode dispatch is private and non-virtual, globals go
/// through a process-wide static constructor registry (unknown ones silently become ClassDict objects),
/// and BUILD calls <c>__setstate__</c> by reflection, so it cannot refuse globals or opcodes without a
/// second interpreter tracking the stack anyway. This one is that interpreter.
/// </remarks>
public static class SafeUnpickler
{
    /// <summary>
    /// The deepest nesting of containers (tuple, list, dict, object array) a pickle may hold. numpy and
    /// torch dumps nest three or four levels; the bound keeps hostile input (a dict key that is a tuple
    /// nested 20,000 deep) from driving recursion anywhere, as Python's own recursion limit does.
    /// </summary>
    public const int MaxNesting = 100;

    /// <summary>Unpickles one pickle (up to its STOP). Every failure is a <see cref="WsssInputException"/> without a file.</summary>
    /// <param name="pickle">The pickle's bytes.</param>
    /// <param name="limits">The element budget of the arrays it holds (<see cref="NpyReadLimits.Default"/> when null).
    /// Torch tensors come back unmaterialised: each is gathered from its storage, and charged, when first read.</param>
    public static object? Load(ReadOnlyMemory<byte> pickle, NpyReadLimits? limits = null)
    {
        try
        {
            var machine = new PickleMachine(pickle, 0, inStorageStream: false, (limits ?? NpyReadLimits.Default).NewBudget());
            var result = machine.Run();
            return RequireComplete(result);
        }
        catch (OverflowException)
        {
            throw new WsssInputException(null, "malformed pickle: a size overflows");
        }
    }

    /// <summary>
    /// Every numpy array placeholder must have received its BUILD state, and large bytes values, which
    /// point into the caller's (possibly pooled) buffer while loading, are copied out before returning.
    /// </summary>
    private static object? RequireComplete(object? root)
    {
        static object? Own(object? o) => o is PickleBytes b ? b.ToArray() : o;
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        // Iterative on purpose, with each container's depth: nothing downstream recurses into a value
        // nested deeper than MaxNesting, however the pickle was built.
        var pending = new Stack<(object? Value, int Depth)>();
        root = Own(root);
        pending.Push((root, 0));
        while (pending.Count > 0)
        {
            var (o, depth) = pending.Pop();
            if (o is null || !seen.Add(o)) continue;
            if (depth > MaxNesting && o is NpyArray or PyDict or List<object?> or object?[])
                throw new WsssInputException(null, $"malformed pickle: containers nest deeper than {MaxNesting} levels");
            int inner = depth + 1;
            switch (o)
            {
                case NpyArray a:
                    if (a.Pending) throw new WsssInputException(null, "malformed pickle: a numpy array has no state (missing BUILD)");
                    if (a.Objects is { } objects)
                        for (int i = 0; i < objects.Length; i++) pending.Push((objects[i] = Own(objects[i]), inner));
                    break;
                case PyDict d:
                    foreach (var key in d.Keys.ToArray())
                    {
                        var value = Own(d[key]);
                        d[key] = value;
                        pending.Push((key, inner));
                        pending.Push((value, inner));
                    }
                    break;
                case List<object?> l:
                    for (int i = 0; i < l.Count; i++) pending.Push((l[i] = Own(l[i]), inner));
                    break;
                case object?[] t:
                    for (int i = 0; i < t.Length; i++) pending.Push((t[i] = Own(t[i]), inner));
                    break;
                case DTypeBuilder or GlobalRef or TorchStorage:
                    throw new WsssInputException(null, $"malformed pickle: a bare {Describe(o)} where data was expected");
            }
        }
        return root;
    }

    /// <summary>The value's kind for a message: "None", or "a dict", "an array", ...</summary>
    internal static string DescribeWithArticle(object? o)
    {
        string kind = Describe(o);
        if (o is null) return kind;
        return (kind[0] is 'a' or 'e' or 'i' or 'o' or 'u' ? "an " : "a ") + kind;
    }

    internal static string Describe(object? o) => o switch
    {
        null => "None",
        GlobalRef g => $"global '{g.Name}'",
        DTypeBuilder => "numpy dtype",
        TorchStorage => "torch storage",
        NpyArray => "array",
        PyDict => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        string => "str",
        byte[] or PickleBytes => "bytes",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        NpyScalar => "numpy scalar",
        _ => o.GetType().Name,
    };
}

/// <summary>The allowlisted globals and what each stands for.</summary>
internal enum GlobalKind
{
    NumpyReconstruct,
    NumpyNdarray,
    NumpyDType,
    NumpyScalar,
    CodecsEncode,
    OrderedDict,
    RebuildTensorV2,
    RebuildTensorV3,
    RebuildParameter,
    LoadFromBytes,
    StorageType,
    TorchDType,
}

internal sealed record GlobalRef(string Name, GlobalKind Kind, NpyElementType Element = NpyElementType.Object)
{
    private static readonly Dictionary<string, GlobalRef> Allowed = Build();

    private static Dictionary<string, GlobalRef> Build()
    {
        var d = new Dictionary<string, GlobalRef>(StringComparer.Ordinal);
        void Add(string name, GlobalKind kind, NpyElementType e = NpyElementType.Object) => d[name] = new GlobalRef(name, kind, e);
        foreach (var core in new[] { "numpy.core.multiarray", "numpy._core.multiarray" })
        {
            Add(core + "._reconstruct", GlobalKind.NumpyReconstruct);
            Add(core + ".scalar", GlobalKind.NumpyScalar);
        }
        Add("numpy.ndarray", GlobalKind.NumpyNdarray);
        Add("numpy.dtype", GlobalKind.NumpyDType);
        Add("_codecs.encode", GlobalKind.CodecsEncode);
        Add("collections.OrderedDict", GlobalKind.OrderedDict);
        Add("torch._utils._rebuild_tensor_v2", GlobalKind.RebuildTensorV2);
        Add("torch._utils._rebuild_tensor_v3", GlobalKind.RebuildTensorV3);
        Add("torch._utils._rebuild_parameter", GlobalKind.RebuildParameter);
        Add("torch.storage._load_from_bytes", GlobalKind.LoadFromBytes);
        // BFloat16 is widened to float32 when the storage is read.
        foreach (var (name, e) in new[]
                 {
                     ("Float", NpyElementType.Float32), ("Double", NpyElementType.Float64), ("Half", NpyElementType.Float16),
                     ("BFloat16", NpyElementType.Float32), ("Long", NpyElementType.Int64), ("Int", NpyElementType.Int32),
                     ("Short", NpyElementType.Int16), ("Char", NpyElementType.Int8), ("Byte", NpyElementType.UInt8),
                     ("Bool", NpyElementType.Bool),
                 })
            Add($"torch.{name}Storage", GlobalKind.StorageType, e);
        foreach (var (name, e) in new[]
                 {
                     ("float32", NpyElementType.Float32), ("float64", NpyElementType.Float64), ("float16", NpyElementType.Float16),
                     ("bfloat16", NpyElementType.Float32), ("int64", NpyElementType.Int64), ("int32", NpyElementType.Int32),
                     ("int16", NpyElementType.Int16), ("int8", NpyElementType.Int8), ("uint8", NpyElementType.UInt8),
                     ("bool", NpyElementType.Bool),
                 })
            Add($"torch.{name}", GlobalKind.TorchDType, e);
        return d;
    }

    public bool IsBFloat16 => Name is "torch.BFloat16Storage" or "torch.bfloat16";

    public static GlobalRef Resolve(string module, string name, bool inStorageStream)
    {
        string full = module + "." + name;
        if (!Allowed.TryGetValue(full, out var g) || (g.Kind == GlobalKind.StorageType && !inStorageStream))
            throw new WsssInputException(null, $"pickle global '{full}' is not allowed");
        return g;
    }
}

/// <summary>numpy.dtype(...) before and after its BUILD state supplies the byte order.</summary>
internal sealed class DTypeBuilder(string code)
{
    public string Code { get; } = code;
    public char ByteOrder { get; set; } = '|';
    public bool Built { get; set; }

    public NpyDType Resolve()
    {
        string prefix = ByteOrder == '>' ? ">" : "<";
        return NpyDType.TryParse(prefix + Code, out var d) ? d
            : throw new WsssInputException(null, $"unsupported numpy dtype '{Code}' in pickle");
    }
}

/// <summary>
/// A large bytes value while loading: a slice of the input, so array data is copied once, straight into
/// its final buffer. Never escapes <see cref="SafeUnpickler.Load"/> (copied to byte[] there).
/// </summary>
internal sealed class PickleBytes(ReadOnlyMemory<byte> memory)
{
    public const int MinimumLength = 4096;
    public ReadOnlyMemory<byte> Memory { get; } = memory;
    public byte[] ToArray() => Memory.ToArray();
}

/// <summary>A torch storage decoded from a legacy <c>torch.save</c> stream: little-endian elements.</summary>
internal sealed class TorchStorage(NpyElementType type, long count, byte[] data)
{
    public NpyElementType Type { get; } = type;
    public long Count { get; } = count;
    public byte[] Data { get; } = data;
}

/// <summary>The persistent-id placeholder for a storage, before the stream's raw data is reached.</summary>
internal sealed record StorageRecord(GlobalRef StorageType, string Key, long Count);

internal sealed class PickleMachine
{
    private static readonly BigInteger TorchMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);
    private const int MaxTensorElements = 1 << 28;
    private const int MaxLongBytes = 64;

    private readonly ReadOnlyMemory<byte> _buffer;
    private readonly bool _inStorageStream;
    private readonly ElementBudget _budget;
    private readonly List<object?> _stack = new();
    private readonly List<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private int _pos;

    public PickleMachine(ReadOnlyMemory<byte> buffer, int start, bool inStorageStream, ElementBudget budget)
    {
        _buffer = buffer;
        _budget = budget;
        _pos = start;
        _inStorageStream = inStorageStream;
    }

    public int Position => _pos;

    private static WsssInputException Malformed(string why) => new(null, $"malformed pickle: {why}");
    private static WsssInputException Truncated() => new(null, "truncated pickle (the data ends before STOP)");

    // ---------------------------------------------------------------- reading the byte stream
    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > _buffer.Length - _pos) throw Truncated();
        var s = _buffer.Span.Slice(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private byte ReadByte() => Take(1)[0];

    /// <summary>A bytes value: large ones stay slices of the input until their consumer copies them.</summary>
    private object TakeBytes(long n)
    {
        int start = _pos;
        var span = Take(n);
        return n >= PickleBytes.MinimumLength ? new PickleBytes(_buffer.Slice(start, (int)n)) : span.ToArray();
    }

    private string ReadLine()
    {
        var rest = _buffer.Span[_pos..];
        int nl = rest.IndexOf((byte)'\n');
        if (nl < 0) throw Truncated();
        var s = Encoding.UTF8.GetString(rest[..nl]);
        _pos += nl + 1;
        return s;
    }

    // ---------------------------------------------------------------- the stack
    private void Push(object? o) => _stack.Add(o);

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1])) throw Malformed("stack underflow");
        var o = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private object? Peek()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _stack.Count <= _marks[^1])) throw Malformed("stack underflow");
        return _stack[^1];
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0) throw Malformed("no MARK on the stack");
        int m = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    // ---------------------------------------------------------------- the interpreter
    /// <summary>Runs to STOP and returns the value left on the stack.</summary>
    public object? Run()
    {
        while (true)
        {
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    {
                        byte proto = ReadByte();
                        if (proto > 5) throw new WsssInputException(null, $"unsupported pickle protocol {proto}");
                        break;
                    }
                case 0x95: // FRAME: the whole stream is in memory already; check the frame fits
                    {
                        long len = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
                        if (len < 0 || len > _buffer.Length - _pos) throw Truncated();
                        break;
                    }
                case (byte)'.': // STOP
                    {
                        if (_marks.Count > 0) throw Malformed("MARK left open at STOP");
                        var result = Pop();
                        if (_stack.Count != 0) throw Malformed("values left on the stack at STOP");
                        return result;
                    }

                // memo
                case (byte)'q': Memoize(ReadByte()); break;                                           // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;     // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break;                                               // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break;                                      // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET

                // containers
                case (byte)'(': _marks.Add(_stack.Count); break;                                      // MARK
                case (byte)'t': Push(PopToMark().ToArray()); break;                                   // TUPLE
                case (byte)')': Push(Array.Empty<object?>()); break;                                  // EMPTY_TUPLE
                case 0x85: { var a = Pop(); Push(new[] { a }); break; }                               // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }             // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break;                                     // EMPTY_LIST
                case (byte)'l': Push(PopToMark()); break;                                             // LIST
                case (byte)'a': { var v = Pop(); ListOf(Peek()).Add(v); break; }                      // APPEND
                case (byte)'e': { var items = PopToMark(); ListOf(Peek()).AddRange(items); break; }   // APPENDS
                case (byte)'}': Push(new PyDict()); break;                                            // EMPTY_DICT
                case (byte)'d': { var d = new PyDict(); SetItems(d, PopToMark()); Push(d); break; }   // DICT
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItem(DictOf(Peek()), k, v); break; } // SETITEM
                case (byte)'u': { var items = PopToMark(); SetItems(DictOf(Peek()), items); break; }  // SETITEMS
                case (byte)'0': Pop(); break;                                                         // POP
                case (byte)'1': PopToMark(); break;                                                   // POP_MARK
                case (byte)'2': Push(Peek()); break;                                                  // DUP

                // scalars
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'K': Push((long)ReadByte()); break;                                        // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;  // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;   // BININT
                case 0x8a: Push(DecodeLong(Take(ReadByte()))); break;                                 // LONG1
                case 0x8b: Push(DecodeLong(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;           // BINFLOAT

                // strings and bytes
                case (byte)'X': Push(Utf8(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break; // BINUNICODE
                case 0x8c: Push(Utf8(Take(ReadByte()))); break;                                            // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Take(BinaryPrimitives.ReadInt64LittleEndian(Take(8))))); break;       // BINUNICODE8
                case (byte)'C': Push(TakeBytes(ReadByte())); break;                                        // SHORT_BINBYTES
                case (byte)'B': Push(TakeBytes(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;  // BINBYTES
                case 0x8e: Push(TakeBytes(BinaryPrimitives.ReadInt64LittleEndian(Take(8)))); break;        // BINBYTES8
                // Python 2 str: bytes that numpy treats as latin-1 text.
                case (byte)'T': Push(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(ReadByte()))); break;                  // SHORT_BINSTRING

                // objects
                case (byte)'c': // GLOBAL
                    {
                        string module = ReadLine();
                        string name = ReadLine();
                        Push(GlobalRef.Resolve(module, name, _inStorageStream));
                        break;
                    }
                case 0x93: // STACK_GLOBAL
                    {
                        var name = Pop();
                        var module = Pop();
                        if (module is not string m || name is not string n)
                            throw Malformed("STACK_GLOBAL needs two strings");
                        Push(GlobalRef.Resolve(m, n, _inStorageStream));
                        break;
                    }
                case (byte)'R': // REDUCE
                    {
                        var args = Pop();
                        var callable = Pop();
                        if (args is not object?[] tuple) throw Malformed("REDUCE arguments are not a tuple");
                        if (callable is not GlobalRef g) throw Malformed($"REDUCE on {SafeUnpickler.DescribeWithArticle(callable)}, not an allowed global");
                        Push(Call(g, tuple));
                        break;
                    }
                case (byte)'b': // BUILD
                    {
                        var state = Pop();
                        Build(Peek(), state);
                        break;
                    }
                case (byte)'Q': // BINPERSID
                    {
                        var pid = Pop();
                        if (!_inStorageStream)
                            throw new WsssInputException(null, "pickle persistent id outside a torch storage stream is not allowed");
                        Push(StoragePersistentId(pid));
                        break;
                    }

                case (byte)'i': throw Refused("INST");
                case (byte)'o': throw Refused("OBJ");
                case 0x81: throw Refused("NEWOBJ");
                case 0x92: throw Refused("NEWOBJ_EX");
                case (byte)'P': throw new WsssInputException(null, "pickle persistent id outside a torch storage stream is not allowed");
                case 0x82: case 0x83: case 0x84: throw Refused("EXT");
                case 0x8f: case 0x90: case 0x91: throw Refused("set");
                case 0x96: case 0x97: case 0x98: throw Refused("out-of-band buffer");
                case (byte)'I': case (byte)'L': case (byte)'F': case (byte)'S': case (byte)'V': case (byte)'p': case (byte)'g':
                    throw new WsssInputException(null, $"text pickle opcode '{(char)op}' (protocol 0) is not supported");
                default:
                    throw new WsssInputException(null, $"unknown pickle opcode 0x{op:x2} at offset {_pos - 1}");
            }
        }
    }

    private static WsssInputException Refused(string opcode) => new(null, $"pickle opcode {opcode} is not allowed");

    private void Memoize(long index)
    {
        if (_memo.Count > 1 << 24) throw Malformed("too many memo entries");
        _memo[index] = Peek();
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var v) ? v : throw Malformed($"memo entry {index} read before it was written");

    private static string Utf8(ReadOnlySpan<byte> b)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(b);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("a string is not valid UTF-8");
        }
    }

#pragma warning disable CA1859 // a long when it fits, else a BigInteger: the boxed object is the point
    private static object DecodeLong(ReadOnlySpan<byte> b)
#pragma warning restore CA1859
    {
        // numpy/torch write nothing longer than torch's 10-byte magic number; a huge integer would only make
        // later printing (quadratic) slow.
        if (b.Length > MaxLongBytes) throw Malformed($"an integer of {b.Length} bytes is too long");
        var v = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;
    }

    private static List<object?> ListOf(object? o) => o as List<object?> ?? throw Malformed($"APPEND to {SafeUnpickler.DescribeWithArticle(o)}");
    private static PyDict DictOf(object? o) => o as PyDict ?? throw Malformed($"SETITEM on {SafeUnpickler.DescribeWithArticle(o)}");

    private static void SetItem(PyDict d, object? key, object? value)
    {
        if (key is PickleBytes large) key = large.ToArray();
        if (key is null or List<object?> or PyDict or NpyArray or DTypeBuilder or GlobalRef or TorchStorage)
            throw Malformed($"unsupported dict key type {SafeUnpickler.Describe(key)}");
        if (key is object?[] tuple) RequireShallowKey(tuple);
        d[key] = value;
    }

    /// <summary>
    /// Hashing a tuple key recurses into its items, once per path (memoised sub-tuples are shared, so paths
    /// can be exponentially many): refuse deep or large keys before the dict hashes them.
    /// </summary>
    private static void RequireShallowKey(object?[] tuple)
    {
        const int MaxKeyItems = 10_000;
        int items = 0;
        var pending = new Stack<(object?[] Tuple, int Depth)>();
        pending.Push((tuple, 1));
        while (pending.Count > 0)
        {
            var (t, depth) = pending.Pop();
            if (depth > SafeUnpickler.MaxNesting)
                throw Malformed($"a dict key nests tuples deeper than {SafeUnpickler.MaxNesting} levels");
            items += t.Length;
            if (items > MaxKeyItems) throw Malformed($"a dict key tuple holds more than {MaxKeyItems} items");
            foreach (var item in t)
                if (item is object?[] inner) pending.Push((inner, depth + 1));
        }
    }

    private static void SetItems(PyDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Malformed("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2) SetItem(d, items[i], items[i + 1]);
    }

    // ---------------------------------------------------------------- the allowlisted callables
    private object? Call(GlobalRef g, object?[] args)
    {
        switch (g.Kind)
        {
            case GlobalKind.NumpyReconstruct:
                {
                    if (args.Length != 3 || args[0] is not GlobalRef { Kind: GlobalKind.NumpyNdarray })
                        throw Malformed("numpy _reconstruct expects (numpy.ndarray, shape, typecode)");
                    return new NpyArray { Pending = true };
                }
            case GlobalKind.NumpyDType:
                {
                    if (args.Length < 1 || args[0] is not string code) throw Malformed("numpy.dtype expects a type string");
                    return new DTypeBuilder(code);
                }
            case GlobalKind.NumpyScalar:
                {
                    if (args.Length != 2 || args[0] is not DTypeBuilder db) throw Malformed("numpy scalar expects (dtype, bytes)");
                    var dtype = db.Resolve();
                    if (dtype.Type == NpyElementType.Object) throw Malformed("object numpy scalars are not supported");
                    byte[] raw = args[1] switch
                    {
                        byte[] b => b,
                        PickleBytes b => b.ToArray(),
                        string s => Latin1Bytes(s),
                        _ => throw Malformed("numpy scalar data is not bytes"),
                    };
                    if (raw.Length != dtype.ItemSize) throw Malformed($"numpy scalar of {dtype} holds {raw.Length} bytes");
                    raw = (byte[])raw.Clone();
                    if (dtype.BigEndian) NpyArray.SwapBytes(raw, dtype.ItemSize);
                    return new NpyScalar(dtype with { BigEndian = false }, raw);
                }
            case GlobalKind.CodecsEncode:
                {
                    if (args.Length != 2 || args[0] is not string text || args[1] is not ("latin1" or "latin-1" or "iso-8859-1"))
                        throw Malformed("_codecs.encode is only allowed as (text, 'latin1')");
                    return Latin1Bytes(text);
                }
            case GlobalKind.OrderedDict:
                if (args.Length != 0) throw Malformed("OrderedDict is only allowed empty");
                return new PyDict();
            case GlobalKind.RebuildTensorV2:
                if (args.Length is not (6 or 7)) throw Malformed("_rebuild_tensor_v2 expects 6 or 7 arguments");
                return RebuildTensor(args[0], args[1], args[2], args[3], null);
            case GlobalKind.RebuildTensorV3:
                {
                    if (args.Length is not (7 or 8) || args[6] is not GlobalRef { Kind: GlobalKind.TorchDType } dt)
                        throw Malformed("_rebuild_tensor_v3 expects 7 or 8 arguments ending in a torch dtype");
                    return RebuildTensor(args[0], args[1], args[2], args[3], dt);
                }
            case GlobalKind.RebuildParameter:
                if (args.Length != 3 || args[0] is not NpyArray { IsTorchTensor: true } p)
                    throw Malformed("_rebuild_parameter expects (tensor, requires_grad, hooks)");
                return p;
            case GlobalKind.LoadFromBytes:
                {
                    if (_inStorageStream) throw Malformed("nested torch storage streams");
                    ReadOnlyMemory<byte> stream = args is [byte[] small] ? small
                        : args is [PickleBytes large] ? large.Memory
                        : throw Malformed("_load_from_bytes expects bytes");
                    return LoadStorageStream(stream);
                }
            default:
                throw Malformed($"global '{g.Name}' is not callable");
        }
    }

    private static byte[] Latin1Bytes(string text)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] > 0xff) throw Malformed("latin-1 text holds a character above 255");
            bytes[i] = (byte)text[i];
        }
        return bytes;
    }

    private void Build(object? target, object? state)
    {
        switch (target)
        {
            case NpyArray { Pending: true } array:
                BuildArray(array, state);
                array.Pending = false;
                break;
            case DTypeBuilder { Built: false } dtype:
                {
                    // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
                    if (state is not object?[] t || t.Length < 8 || t[1] is not string order || order.Length != 1)
                        throw Malformed("unexpected numpy dtype state");
                    if (t[2] is not null || t[3] is not null || t[4] is not null)
                        throw new WsssInputException(null, "structured or sub-array numpy dtypes are not supported");
                    dtype.ByteOrder = order[0];
                    dtype.Built = true;
                    break;
                }
            default:
                throw Malformed($"BUILD on {SafeUnpickler.DescribeWithArticle(target)} (only numpy arrays and dtypes take state)");
        }
    }

    private void BuildArray(NpyArray array, object? state)
    {
        // (version, shape, dtype, is_fortran, data); numpy before 1.0 omitted the version.
        if (state is not object?[] t || t.Length is not (4 or 5)) throw Malformed("unexpected numpy array state");
        int o = t.Length - 4;
        if (t[o] is not object?[] shapeTuple || t[o + 1] is not DTypeBuilder db || t[o + 2] is not bool fortran)
            throw Malformed("unexpected numpy array state");
        var shape = ToInts(shapeTuple, "array shape");
        var dtype = db.Resolve();
        var data = t[o + 3];
        // Memoised data bytes may back many arrays, each a copy: count every one.
        _budget.Charge(NpyArray.CountOf(shape));
        if (dtype.Type == NpyElementType.Object)
        {
            if (data is not List<object?> items) throw Malformed("object array data is not a list");
            if (items.Count != NpyArray.CountOf(shape)) throw Malformed("object array holds the wrong number of items");
            if (fortran && shape.Length > 1) throw new WsssInputException(null, "Fortran-order object arrays are not supported");
            array.Shape = shape;
            array.DType = dtype;
            array.Objects = items.ToArray();
            return;
        }
        ReadOnlySpan<byte> raw = data switch
        {
            byte[] b => b,
            PickleBytes b => b.Memory.Span,
            string s => Latin1Bytes(s),
            _ => throw Malformed("numeric array data is not bytes"),
        };
        long need = NpyArray.CountOf(shape) * dtype.ItemSize;
        if (raw.Length != need) throw Malformed($"numeric array data holds {raw.Length} bytes, not {need}");
        if (dtype.Type == NpyElementType.Float32 && (!fortran || shape.Length <= 1))
        {
            // The CAM case: one copy from the pickle straight into the float[] that the maps will own.
            var values = new float[NpyArray.CountOf(shape)];
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
            raw.CopyTo(bytes);
            if (dtype.BigEndian) NpyArray.SwapBytes(bytes, 4);
            array.SetFloat32(shape, values);
            return;
        }
        var built = NpyArray.FromRaw(raw, dtype, shape, fortran, data as byte[]);
        array.Shape = built.Shape;
        array.DType = built.DType;
        array.Data = built.Data;
    }

    private static int[] ToInts(object?[] tuple, string what)
    {
        var r = new int[tuple.Length];
        for (int i = 0; i < r.Length; i++)
        {
            if (tuple[i] is not long v || v < 0 || v > int.MaxValue) throw Malformed($"bad {what}");
            r[i] = (int)v;
        }
        return r;
    }

    // ---------------------------------------------------------------- torch
    private NpyArray RebuildTensor(object? storageArg, object? offsetArg, object? sizeArg, object? strideArg, GlobalRef? dtype)
    {
        if (storageArg is not TorchStorage storage) throw Malformed("tensor storage is not a torch storage");
        if (offsetArg is not long offset || sizeArg is not object?[] sizeTuple || strideArg is not object?[] strideTuple
            || sizeTuple.Length != strideTuple.Length)
            throw Malformed("bad tensor offset, size or stride");
        if (dtype is not null && dtype.Element != storage.Type)
            throw Malformed("tensor dtype differs from its storage's");
        var shape = ToInts(sizeTuple, "tensor size");
        var strides = new long[strideTuple.Length];
        for (int i = 0; i < strides.Length; i++)
            strides[i] = strideTuple[i] is long s && s >= 0 ? s : throw Malformed("bad tensor stride");
        long count = NpyArray.CountOf(shape);
        if (count > MaxTensorElements) throw new WsssInputException(null, $"tensor of {count} elements is too large");
        if (offset < 0) throw Malformed("negative tensor storage offset");
        if (count > 0)
        {
            long last = offset;
            try
            {
                // Checked: a forged stride such as 2^62 would otherwise wrap the sum back inside the storage.
                for (int i = 0; i < shape.Length; i++) last = checked(last + (shape[i] - 1L) * strides[i]);
            }
            catch (OverflowException)
            {
                throw Malformed("bad tensor stride: the view reaches past 2^63 elements");
            }
            if (last >= storage.Count)
                throw Malformed($"tensor view reaches element {last} of a storage of {storage.Count}");
        }
        var tensor = new NpyArray { IsTorchTensor = true };
        tensor.SetLazyView(shape, new NpyDType(storage.Type, false), storage.Data, offset, strides, _budget);
        return tensor;
    }

    private static StorageRecord StoragePersistentId(object? pid)
    {
        // ("storage", storage type, key, location, element count, view metadata)
        if (pid is not object?[] t || t.Length != 6 || t[0] is not "storage" || t[1] is not GlobalRef { Kind: GlobalKind.StorageType } type
            || t[2] is not string key || t[3] is not string || t[4] is not long count || count < 0)
            throw Malformed("unexpected torch storage persistent id");
        if (t[5] is not null) throw new WsssInputException(null, "torch storage views (view metadata) are not supported");
        return new StorageRecord(type, key, count);
    }

    /// <summary>
    /// Decodes the legacy torch.save stream that <c>torch.storage._load_from_bytes</c> receives: five
    /// consecutive pickles (magic, protocol 1001, sys_info, the storage's persistent id, key list), then
    /// per key an int64 element count and the raw little-endian elements.
    /// </summary>
    private TorchStorage LoadStorageStream(ReadOnlyMemory<byte> memory)
    {
        var bytes = memory.Span;
        int pos = 0;
        object? Next()
        {
            var m = new PickleMachine(memory, pos, inStorageStream: true, _budget);
            var v = m.Run();
            pos = m.Position;
            return v;
        }

        if (Next() is not BigInteger magic || magic != TorchMagic) throw Malformed("torch storage stream has a wrong magic number");
        if (Next() is not 1001L) throw new WsssInputException(null, "unsupported torch storage stream protocol");
        if (Next() is not PyDict sysInfo) throw Malformed("torch storage stream lacks sys_info");
        if (sysInfo.TryGetValue("little_endian", out var le) && le is false)
            throw new WsssInputException(null, "big-endian torch storages are not supported");
        if (Next() is not StorageRecord record) throw Malformed("torch storage stream does not hold a storage");
        if (Next() is not List<object?> keys || keys.Any(k => k is not string)) throw Malformed("torch storage stream lacks its key list");

        TorchStorage? found = null;
        foreach (string key in keys.Cast<string>())
        {
            if (bytes.Length - pos < 8) throw Truncated();
            long count = BinaryPrimitives.ReadInt64LittleEndian(bytes[pos..]);
            pos += 8;
            int storedSize = record.StorageType.IsBFloat16 ? 2 : NpyDType.ItemSizeOf(record.StorageType.Element);
            if (count < 0 || count > (bytes.Length - pos) / storedSize) throw Truncated();
            var raw = bytes.Slice(pos, (int)(count * storedSize));
            pos += raw.Length;
            if (key != record.Key) continue;
            if (count != record.Count) throw Malformed("torch storage element count differs from its record");
            byte[] data;
            if (record.StorageType.IsBFloat16)
            {
                data = new byte[count * 4];
                for (long i = 0; i < count; i++)
                {
                    data[i * 4 + 2] = raw[(int)i * 2];
                    data[i * 4 + 3] = raw[(int)i * 2 + 1];
                }
            }
            else data = raw.ToArray();
            found = new TorchStorage(record.StorageType.Element, count, data);
        }
        return found ?? throw Malformed($"torch storage stream has no data for key '{record.Key}'");
    }
}
