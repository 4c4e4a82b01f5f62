using System.Buffers.Binary;
using System.Text;
using BenchmarkDotNet.Attributes;
using SkiaSharp;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// Reading one VOC-size image's inputs: an IRN variant-A dump (3 classes, 375x500 high_res, 94x125 torch
/// cam, pickle protocol 3 as numpy 1.x writes it) and a 375x500 palette label PNG, plus Skia's
/// decode of the same PNG (to colours) as the comparison point, writing the PNG, and decoding a VOC-size
/// 4:2:0 JPEG (SkiaSharp, libjpeg-turbo) to RGB.
/// </summary>
[MemoryDiagnoser]
public class IoBenchmarks
{
    private const int Classes = 3, Height = 375, Width = 500, H4 = 94, W4 = 125;
    private string _dumpPath = "";
    private string _pngPath = "";
    private byte[] _png = [];
    private LabelMap _labels = null!;
    private byte[] _jpeg = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var high = new float[Classes * Height * Width];
        for (int i = 0; i < high.Length; i++) high[i] = (float)rng.NextDouble();
        var low = new float[Classes * H4 * W4];
        for (int i = 0; i < low.Length; i++) low[i] = (float)rng.NextDouble();
        _dumpPath = Path.Combine(Path.GetTempPath(), $"wsss_bench_{Environment.ProcessId}.npy");
        File.WriteAllBytes(_dumpPath, VariantADump.Build([2, 7, 14], low, [Classes, H4, W4], high, [Classes, Height, Width]));

        var labels = new byte[Height * Width];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
                labels[y * Width + x] = (byte)((x - 250) * (x - 250) + (y - 180) * (y - 180) < 120 * 120 ? 15
                    : Math.Abs(x - y) < 4 ? 255 : x < 60 ? 3 : 0);
        _labels = new LabelMap(Height, Width, labels);
        using var ms = new MemoryStream();
        LabelPngWriter.Write(ms, _labels);
        _png = ms.ToArray();
        _pngPath = Path.ChangeExtension(_dumpPath, ".png");
        File.WriteAllBytes(_pngPath, _png);

        // A VOC-size photo-like 4:2:0 baseline JPEG at quality 95 (the synthetic sample's encoder).
        var photo = new byte[Width * Height * 3];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int i = (y * Width + x) * 3;
                photo[i] = (byte)(128 + 100 * Math.Sin(x / 17.0));
                photo[i + 1] = (byte)(128 + 90 * Math.Cos(y / 11.0));
                photo[i + 2] = (byte)((x * 3 + y * 5 + rng.Next(24)) & 0xff);
            }
        using (var jpegStream = new MemoryStream())
        {
            WsssGpuRefine.Datasets.Synthetic.SyntheticSampleWriter.WriteJpeg(jpegStream, new RgbImage(Height, Width, photo));
            _jpeg = jpegStream.ToArray();
        }

        var check = CamDumpReader.Read(_dumpPath);
        if (check.Format != CamDumpFormat.IrnDict || check.HighRes.Data[^1] != high[^1] || check.LowRes!.Data[7] != low[7])
            throw new InvalidOperationException("benchmark dump did not read back");
        if (!LabelPngReader.Decode(_png).Labels.AsSpan().SequenceEqual(labels))
            throw new InvalidOperationException("benchmark PNG did not read back");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        File.Delete(_dumpPath);
        File.Delete(_pngPath);
    }

    [Benchmark]
    public CamDump ReadVariantADump() => CamDumpReader.Read(_dumpPath);

    [Benchmark]
    public LabelMap ReadLabelPng() => LabelPngReader.Read(_pngPath);

    [Benchmark]
    public int SkiaDecodeLabelPngToRgba()
    {
        using var bitmap = SKBitmap.Decode(_png);
        return bitmap.Width;
    }

    [Benchmark]
    public RgbImage DecodeJpeg() => RgbImageReader.Decode(_jpeg);

    [Benchmark]
    public long WriteLabelPng()
    {
        using var ms = new MemoryStream();
        LabelPngWriter.Write(ms, _labels);
        return ms.Length;
    }

    /// <summary>
    /// Emits what <c>np.save(path, {"keys": torch, "cam": torch, "high_res": numpy})</c> writes under numpy
    /// 1.x and torch 1.x: pickle protocol 3, tensors over legacy <c>_load_from_bytes</c> storage streams.
    /// </summary>
    private static class VariantADump
    {
        public static byte[] Build(long[] keys, float[] cam, int[] camShape, float[] high, int[] highShape)
        {
            var p = new MemoryStream();
            p.Write([0x80, 3]);
            Reconstruct(p);
            State(p, [], "O8", '|', 63, w =>
            {
                w.WriteByte((byte)']');
                w.WriteByte((byte)'(');
                w.WriteByte((byte)'}');
                w.WriteByte((byte)'(');
                Str(w, "keys"); Tensor(w, "LongStorage", Bytes(keys), keys.Length, [keys.Length]);
                Str(w, "cam"); Tensor(w, "FloatStorage", Bytes(cam), cam.Length, camShape);
                Str(w, "high_res"); NumpyArray(w, Bytes(high), highShape);
                w.WriteByte((byte)'u');
                w.WriteByte((byte)'e');
            });
            p.WriteByte((byte)'.');

            var file = new MemoryStream();
            string header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
            header += new string(' ', (64 - (10 + header.Length + 1) % 64) % 64) + "\n";
            file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0]);
            file.Write(Encoding.Latin1.GetBytes(header));
            p.Position = 0;
            p.CopyTo(file);
            return file.ToArray();
        }

        private static byte[] Bytes<T>(T[] values) where T : unmanaged =>
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

        private static void Global(Stream w, string module, string name) =>
            w.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

        private static void Str(Stream w, string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            w.WriteByte((byte)'X');
            Int32(w, b.Length);
            w.Write(b);
        }

        private static void Int32(Stream w, int v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, v);
            w.Write(b);
        }

        private static void BinInt(Stream w, int v)
        {
            w.WriteByte((byte)'J');
            Int32(w, v);
        }

        private static void BinBytes(Stream w, byte[] data)
        {
            w.WriteByte((byte)'B');
            Int32(w, data.Length);
            w.Write(data);
        }

        private static void IntTuple(Stream w, IEnumerable<long> values)
        {
            w.WriteByte((byte)'(');
            foreach (long v in values) BinInt(w, (int)v);
            w.WriteByte((byte)'t');
        }

        private static void Reconstruct(Stream w)
        {
            Global(w, "numpy.core.multiarray", "_reconstruct");
            Global(w, "numpy", "ndarray");
            w.Write([(byte)'K', 0, 0x85, (byte)'C', 1, (byte)'b', 0x87, (byte)'R']);
        }

        private static void State(Stream w, int[] shape, string dtype, char order, int flags, Action<Stream> data)
        {
            w.WriteByte((byte)'(');
            w.Write([(byte)'K', 1]);
            IntTuple(w, shape.Select(d => (long)d));
            Global(w, "numpy", "dtype");
            Str(w, dtype);
            w.Write([0x89, 0x88, 0x87, (byte)'R', (byte)'(', (byte)'K', 3]);
            Str(w, order.ToString());
            w.Write([(byte)'N', (byte)'N', (byte)'N']);
            BinInt(w, -1);
            BinInt(w, -1);
            BinInt(w, flags);
            w.Write([(byte)'t', (byte)'b', 0x89]);
            data(w);
            w.Write([(byte)'t', (byte)'b']);
        }

        private static void NumpyArray(Stream w, byte[] data, int[] shape)
        {
            Reconstruct(w);
            State(w, shape, "f4", '<', 0, s => BinBytes(s, data));
        }

        private static void Tensor(Stream w, string storageType, byte[] data, long count, int[] shape)
        {
            var strides = new long[shape.Length];
            long s = 1;
            for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
            Global(w, "torch._utils", "_rebuild_tensor_v2");
            w.WriteByte((byte)'(');
            Global(w, "torch.storage", "_load_from_bytes");
            BinBytes(w, StorageStream(storageType, data, count));
            w.Write([0x85, (byte)'R', (byte)'K', 0]);
            IntTuple(w, shape.Select(d => (long)d));
            IntTuple(w, strides);
            w.WriteByte(0x89);
            Global(w, "collections", "OrderedDict");
            w.Write([(byte)')', (byte)'R', (byte)'t', (byte)'R']);
        }

        private static byte[] StorageStream(string storageType, byte[] data, long count)
        {
            var w = new MemoryStream();
            w.Write([0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.']);
            w.Write([0x80, 2, (byte)'M', 0xe9, 0x03, (byte)'.']);
            w.Write([0x80, 2, (byte)'}', (byte)'(']);
            Str(w, "protocol_version"); w.Write([(byte)'M', 0xe9, 0x03]);
            Str(w, "little_endian"); w.WriteByte(0x88);
            Str(w, "type_sizes"); w.Write([(byte)'}', (byte)'(']);
            Str(w, "short"); w.Write([(byte)'K', 2]);
            Str(w, "int"); w.Write([(byte)'K', 4]);
            Str(w, "long"); w.Write([(byte)'K', 4]);
            w.Write([(byte)'u', (byte)'u', (byte)'.']);
            w.Write([0x80, 2, (byte)'(']);
            Str(w, "storage");
            Global(w, "torch", storageType);
            Str(w, "94251");
            Str(w, "cpu");
            BinInt(w, (int)count);
            w.Write([(byte)'N', (byte)'t', (byte)'Q', (byte)'.']);
            w.Write([0x80, 2, (byte)']']);
            Str(w, "94251");
            w.Write([(byte)'a', (byte)'.']);
            Span<byte> n = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(n, count);
            w.Write(n);
            w.Write(data);
            return w.ToArray();
        }
    }
}
