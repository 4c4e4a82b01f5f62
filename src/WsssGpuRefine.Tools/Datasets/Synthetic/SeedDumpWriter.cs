using System.Buffers.Binary;
using System.Text;

namespace WsssGpuRefine.Datasets.Synthetic;

/// <summary>
/// Writes CAM dumps byte-compatible with what the seed methods' <c>np.save(path, dict)</c> produces under
/// numpy 1.x (pickle protocol 3), so the demo exercises the same reader paths as real dumps: IRN's variant A
/// (torch tensors through <c>_rebuild_tensor_v2</c> over a legacy <c>_load_from_bytes</c> storage) and PSA's
/// variant D (int keys -> float32 maps). Only the constructs those methods emit are supported.
/// </summary>
internal static class SeedDumpWriter
{
    /// <summary>IRN: {"keys": torch int64 (C,), "cam": torch float32 (C,h4,w4), "high_res": numpy float32 (C,H,W)}.</summary>
    public static void WriteIrn(Stream output, long[] foregroundKeys, float[] cam, int[] camShape, float[] highRes, int[] highResShape)
    {
        var p = new PickleEmitter(protocol: 3);
        p.BeginObjectScalarArray();
        p.EmptyDict();
        p.Mark();
        p.String("keys"); p.TorchTensor(Int64Bytes(foregroundKeys), "LongStorage", 8, [foregroundKeys.Length]);
        p.String("cam"); p.TorchTensor(Float32Bytes(cam), "FloatStorage", 4, camShape);
        p.String("high_res"); p.NumpyArray(Float32Bytes(highRes), "f4", highResShape);
        p.SetItems();
        p.EndObjectScalarArray();
        WriteNpyObject(output, p.ToArray());
    }

    /// <summary>PSA family: {fg index (python int) -> numpy float32 (H,W)}.</summary>
    public static void WritePsa(Stream output, IReadOnlyList<(int ForegroundIndex, float[] Map)> maps, int height, int width)
    {
        var p = new PickleEmitter(protocol: 3);
        p.BeginObjectScalarArray();
        p.EmptyDict();
        p.Mark();
        foreach (var (index, map) in maps)
        {
            p.Int(index);
            p.NumpyArray(Float32Bytes(map), "f4", [height, width]);
        }
        p.SetItems();
        p.EndObjectScalarArray();
        WriteNpyObject(output, p.ToArray());
    }

    private static void WriteNpyObject(Stream output, byte[] pickle)
    {
        // Same header numpy 1.24 writes for an object scalar, padded to 64 bytes.
        string dict = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
        int unpadded = 10 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        string header = dict + new string(' ', padded - unpadded) + "\n";
        output.WriteByte(0x93);
        output.Write("NUMPY"u8);
        output.WriteByte(1);
        output.WriteByte(0);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        output.Write(length);
        output.Write(Encoding.Latin1.GetBytes(header));
        output.Write(pickle);
    }

    private static byte[] Float32Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private static byte[] Int64Bytes(long[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    /// <summary>The few pickle opcodes numpy's and torch's reducers emit.</summary>
#pragma warning disable CA1001 // its MemoryStream holds no unmanaged resource; ToArray is the end of its life
    private sealed class PickleEmitter
#pragma warning restore CA1001
    {
        private readonly MemoryStream _s = new();
        private readonly int _protocol;
        private static int _storageKey = 94_251_000;

        public PickleEmitter(int protocol)
        {
            _protocol = protocol;
            _s.WriteByte(0x80);
            _s.WriteByte((byte)protocol);
        }

        public byte[] ToArray()
        {
            _s.WriteByte((byte)'.');
            return _s.ToArray();
        }

        public void Mark() => _s.WriteByte((byte)'(');
        public void EmptyDict() => _s.WriteByte((byte)'}');
        public void SetItems() => _s.WriteByte((byte)'u');
        private void Op(char c) => _s.WriteByte((byte)c);

        public void Global(string module, string name) => _s.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Op('X');
            WriteInt32(bytes.Length);
            _s.Write(bytes);
        }

        public void Bytes(byte[] value)
        {
            if (_protocol >= 3)
            {
                if (value.Length < 256)
                {
                    Op('C');
                    _s.WriteByte((byte)value.Length);
                }
                else
                {
                    Op('B');
                    WriteInt32(value.Length);
                }
                _s.Write(value);
                return;
            }
            // Protocol 2 has no bytes type: numpy and torch go through _codecs.encode(latin-1 text, 'latin1').
            Global("_codecs", "encode");
            var text = Encoding.UTF8.GetBytes(Encoding.Latin1.GetString(value));
            Op('X'); WriteInt32(text.Length); _s.Write(text);
            String("latin1");
            Op('\x86'); Op('R');
        }

        public void Int(long value)
        {
            if (value is >= 0 and < 256) { Op('K'); _s.WriteByte((byte)value); }
            else if (value is >= 0 and < 65536) { Op('M'); Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); _s.Write(b); }
            else if (value is >= int.MinValue and <= int.MaxValue) { Op('J'); WriteInt32((int)value); }
            else
            {
                var bytes = new System.Numerics.BigInteger(value).ToByteArray();
                Op('\x8a'); _s.WriteByte((byte)bytes.Length); _s.Write(bytes);
            }
        }

        public void IntTuple(int[] values)
        {
            switch (values.Length)
            {
                case 0: Op(')'); return;
                case 1: Int(values[0]); Op('\x85'); return;
                case 2: Int(values[0]); Int(values[1]); Op('\x86'); return;
                case 3: Int(values[0]); Int(values[1]); Int(values[2]); Op('\x87'); return;
                default:
                    Mark();
                    foreach (int v in values) Int(v);
                    Op('t');
                    return;
            }
        }

        private void WriteInt32(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, value);
            _s.Write(b);
        }

        private void Dtype(string code, char byteOrder, bool isObject)
        {
            Global("numpy", "dtype");
            String(code); Op('\x89'); Op('\x88'); Op('\x87'); Op('R');
            Mark(); Int(3); String(byteOrder.ToString()); Op('N'); Op('N'); Op('N'); Int(-1); Int(-1); Int(isObject ? 63 : 0); Op('t');
            Op('b');
        }

        private void ReconstructPlaceholder()
        {
            Global("numpy.core.multiarray", "_reconstruct");
            Global("numpy", "ndarray");
            Int(0); Op('\x85');
            Bytes("b"u8.ToArray());
            Op('\x87'); Op('R');
        }

        public void NumpyArray(byte[] data, string code, int[] shape)
        {
            ReconstructPlaceholder();
            Mark(); Int(1); IntTuple(shape); Dtype(code, '<', false); Op('\x89'); Bytes(data); Op('t');
            Op('b');
        }

        /// <summary>Opens the 0-d object array whose one element (the dict) the caller writes next.</summary>
        public void BeginObjectScalarArray()
        {
            ReconstructPlaceholder();
            Mark(); Int(1); Op(')'); Dtype("O8", '|', true); Op('\x89');
            Op(']');
        }

        public void EndObjectScalarArray()
        {
            Op('a');
            Op('t'); Op('b');
        }

        /// <summary>A contiguous CPU tensor as torch 1.x pickles it outside torch.save.</summary>
        public void TorchTensor(byte[] data, string storageType, int elementSize, int[] shape)
        {
            Global("torch._utils", "_rebuild_tensor_v2");
            Mark();
            Global("torch.storage", "_load_from_bytes");
            Bytes(LegacyStorageStream(data, storageType, elementSize));
            Op('\x85'); Op('R');
            Int(0);
            IntTuple(shape);
            var strides = new int[shape.Length];
            for (int i = shape.Length - 1, s = 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
            IntTuple(strides);
            Op('\x89');
            Global("collections", "OrderedDict"); Op(')'); Op('R');
            Op('t'); Op('R');
        }

        /// <summary>torch's legacy (pre-zip) serialisation of one storage: five protocol-2 pickles, then raw data.</summary>
        private static byte[] LegacyStorageStream(byte[] data, string storageType, int elementSize)
        {
            using var s = new MemoryStream();
            string key = Interlocked.Increment(ref _storageKey).ToString();
            long count = data.Length / elementSize;
            s.Write(MagicPickle());
            var version = new PickleEmitter(2); version.Int(1001); s.Write(version.ToArray());
            var info = new PickleEmitter(2);
            info.EmptyDict(); info.Mark();
            info.String("protocol_version"); info.Int(1001);
            info.String("little_endian"); info.Op('\x88');
            info.String("type_sizes"); info.EmptyDict(); info.Mark();
            info.String("short"); info.Int(2); info.String("int"); info.Int(4); info.String("long"); info.Int(8);
            info.SetItems();
            info.SetItems();
            s.Write(info.ToArray());
            var obj = new PickleEmitter(2);
            obj.Mark();
            obj.String("storage");
            obj.Global("torch", storageType);
            obj.String(key);
            obj.String("cpu");
            obj.Int(count);
            obj.Op('N');
            obj.Op('t');
            obj.Op('Q');
            s.Write(obj.ToArray());
            var keys = new PickleEmitter(2);
            keys.Op(']'); keys.String(key); keys.Op('a');
            s.Write(keys.ToArray());
            Span<byte> c = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(c, count);
            s.Write(c);
            s.Write(data);
            return s.ToArray();
        }

        private static byte[] MagicPickle()
        {
            var p = new PickleEmitter(2);
            var bytes = System.Numerics.BigInteger.Parse("119547037146038801333356").ToByteArray(); // 0x1950a86a20f9469cfc6c
            p.Op('\x8a'); p._s.WriteByte((byte)bytes.Length); p._s.Write(bytes);
            return p.ToArray();
        }
    }
}
