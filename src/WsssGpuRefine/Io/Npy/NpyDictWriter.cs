using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace WsssGpuRefine.Io.Npy;

/// <summary>
/// Writes a Python dict of numpy arrays as the object-scalar <c>.npy</c> that <c>np.save(path, dict)</c> writes and
/// <c>np.load(path, allow_pickle=True).item()</c> reads back: an NPY v1.0 header <c>'|O'</c> with shape (), then a
/// protocol-3 pickle of a 0-d object array whose one element is the dict. Keys are Python ints or strs; values are
/// C-ordered float32 or int64 arrays. The pickle names only <c>numpy.core.multiarray._reconstruct</c>,
/// <c>numpy.ndarray</c> and <c>numpy.dtype</c>, exactly what numpy itself emits for such a dict, so our own safe
/// reader (<see cref="Pickle.SafeUnpickler"/>) loads it too.
/// </summary>
public static class NpyDictWriter
{
    /// <summary>One dict value: a row-major numpy array of float32 or int64.</summary>
    public sealed record Array
    {
        private Array(int[] shape, float[]? floats, long[]? longs)
        {
            Shape = shape;
            Floats = floats;
            Longs = longs;
        }

        /// <summary>The numpy shape.</summary>
        public int[] Shape { get; }
        internal float[]? Floats { get; }
        internal long[]? Longs { get; }

        /// <summary>A float32 array (<c>&lt;f4</c>) of the given shape; the values are not copied.</summary>
        /// <exception cref="ArgumentException">The shape does not hold exactly <paramref name="values"/>.Length values.</exception>
        public static Array Float32(float[] values, params int[] shape) => new(Check(shape, values?.Length ?? 0), values ?? throw new ArgumentNullException(nameof(values)), null);

        /// <summary>An int64 array (<c>&lt;i8</c>) of the given shape; the values are not copied.</summary>
        /// <exception cref="ArgumentException">The shape does not hold exactly <paramref name="values"/>.Length values.</exception>
        public static Array Int64(long[] values, params int[] shape) => new(Check(shape, values?.Length ?? 0), null, values ?? throw new ArgumentNullException(nameof(values)));

        private static int[] Check(int[] shape, long count)
        {
            long n = NpyWriter.ValueCount(shape);
            if (n != count) throw new ArgumentException($"shape holds {n} values, not {count}", nameof(shape));
            return (int[])shape.Clone();
        }
    }

    /// <summary>Writes <c>{int key: array}</c> (e.g. PSA's <c>{0: bg, c+1: prob}</c> la/ha CRF outputs), keys in the given order.</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="entries">The dict's items in insertion order.</param>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<int, Array>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Write(stream, entries.Select(e => new KeyValuePair<object, Array>(e.Key, e.Value)));
    }

    /// <summary>Writes <c>{str key: array}</c> (e.g. Puzzle-CAM's <c>{"keys", "rw"}</c>), keys in the given order.</summary>
    /// <param name="stream">Destination; left open.</param>
    /// <param name="entries">The dict's items in insertion order.</param>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Array>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Write(stream, entries.Select(e => new KeyValuePair<object, Array>(e.Key, e.Value)));
    }

    private static void Write(Stream stream, IEnumerable<KeyValuePair<object, Array>> entries)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        var items = entries.ToList();
        NpyWriter.WriteHeader(stream, "|O", [], 1);
        var p = new PickleBuilder(stream);
        p.Op(0x80); p.Op(3);                                  // PROTO 3 (what numpy 1.x np.save emits)
        p.Reconstruct();                                     // the outer 0-d object array
        p.Op('(');                                           // its state: (1, (), dtype('O'), False, [dict])
        p.Int(1);
        p.Op(')');
        p.DType("O8", '|', 63);
        p.Op(0x89);
        p.Op(']');
        p.Op('}');
        if (items.Count > 0)
        {
            p.Op('(');
            foreach (var (key, value) in items)
            {
                if (key is int i) p.Int(i);
                else p.Text((string)key);
                p.Ndarray(value ?? throw new ArgumentException("a dict value is null", nameof(entries)));
            }
            p.Op('u');                                       // SETITEMS
        }
        p.Op('a');                                           // APPEND the dict to the list
        p.Op('t');
        p.Op('b');                                           // BUILD the outer array
        p.Op('.');
    }

    /// <summary>Emits pickle opcodes without a memo (valid for any unpickler; numpy needs no shared references here).</summary>
    private sealed class PickleBuilder(Stream stream)
    {
        public void Op(char c) => stream.WriteByte((byte)c);
        public void Op(int b) => stream.WriteByte((byte)b);

        public void Global(string module, string name)
        {
            Op('c');
            stream.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
        }

        public void Int(int v)
        {
            if (v is >= 0 and < 256) { Op('K'); Op(v); return; }
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, v);
            Op('J');
            stream.Write(b);
        }

        public void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)bytes.Length);
            Op('X');
            stream.Write(n);
            stream.Write(bytes);
        }

        public void Bytes(ReadOnlySpan<byte> data)
        {
            if (data.Length < 256)
            {
                Op('C');
                Op(data.Length);
            }
            else
            {
                Span<byte> n = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)data.Length);
                Op('B');
                stream.Write(n);
            }
            stream.Write(data);
        }

        /// <summary><c>_reconstruct(ndarray, (0,), b'b')</c>: the empty array numpy's BUILD then fills.</summary>
        public void Reconstruct()
        {
            Global("numpy.core.multiarray", "_reconstruct");
            Global("numpy", "ndarray");
            Int(0);
            Op(0x85);                                        // TUPLE1
            Bytes("b"u8);
            Op(0x87);                                        // TUPLE3
            Op('R');
        }

        /// <summary><c>dtype(name, False, True)</c> with BUILD state (3, order, None, None, None, -1, -1, flags).</summary>
        public void DType(string name, char order, int flags)
        {
            Global("numpy", "dtype");
            Text(name);
            Op(0x89);                                        // NEWFALSE
            Op(0x88);                                        // NEWTRUE
            Op(0x87);
            Op('R');
            Op('(');
            Int(3);
            Text(order.ToString());
            Op('N'); Op('N'); Op('N');
            Int(-1);
            Int(-1);
            Int(flags);
            Op('t');
            Op('b');
        }

        public void Ndarray(Array a)
        {
            Reconstruct();
            Op('(');
            Int(1);
            Op('(');
            foreach (int d in a.Shape) Int(d);
            Op('t');
            if (a.Floats is { } f)
            {
                DType("f4", '<', 0);
                Op(0x89);
                Bytes(MemoryMarshal.AsBytes(f.AsSpan()));
            }
            else
            {
                DType("i8", '<', 0);
                Op(0x89);
                Bytes(MemoryMarshal.AsBytes(a.Longs!.AsSpan()));
            }
            Op('t');
            Op('b');
        }
    }
}
