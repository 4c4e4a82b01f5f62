using System.Buffers;
using TorchSharp;
using WsssGpuRefine.Core;
using static TorchSharp.torch;

namespace TorchSharpSample;

/// <summary>
/// Turns a (B, C, H, W) CAM batch held in a TorchSharp tensor into the engine's <see cref="ClassMaps"/>, one per image.
/// A contiguous float32 CPU tensor is wrapped in place (<see cref="ClassMaps(int[], int, int, Memory{float})"/> over a
/// <see cref="MemoryManager{T}"/> on the tensor's storage): no copy, the engine reads the tensor's own memory, and the
/// tensor must stay alive and unchanged while the maps are in use. Any other tensor (non-contiguous, another dtype, or
/// on a CUDA device) is copied once into a contiguous float32 CPU array.
/// </summary>
public sealed class TensorCams
{
    private TensorCams(Tensor source, Memory<float> values, bool copied, int batch, int channels, int height, int width)
    {
        Source = source;
        Values = values;
        Copied = copied;
        Batch = batch;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>The tensor the values come from (kept referenced so its storage outlives the maps).</summary>
    public Tensor Source { get; }
    /// <summary>The whole batch, channel-major per image.</summary>
    public Memory<float> Values { get; }
    /// <summary>False when <see cref="Values"/> is the tensor's own storage; true when the one-copy fallback ran.</summary>
    public bool Copied { get; }
    /// <summary>B.</summary>
    public int Batch { get; }
    /// <summary>C.</summary>
    public int Channels { get; }
    /// <summary>H.</summary>
    public int Height { get; }
    /// <summary>W.</summary>
    public int Width { get; }

    /// <summary>Wraps (or, when the layout does not allow it, copies once) a (B, C, H, W) tensor.</summary>
    public static unsafe TensorCams From(Tensor batch)
    {
        if (batch.dim() != 4) throw new ArgumentException($"CAM batch must be (B, C, H, W), not {batch.dim()}-d", nameof(batch));
        var shape = batch.shape;
        int b = checked((int)shape[0]), c = checked((int)shape[1]), h = checked((int)shape[2]), w = checked((int)shape[3]);
        checked { _ = b * c * h * w; }
        if (batch.dtype == ScalarType.Float32 && batch.device_type == DeviceType.CPU && batch.is_contiguous())
            return new TensorCams(batch, new TensorMemory(batch).Memory, copied: false, b, c, h, w);
        // The fallback: one copy into a managed array (to() and contiguous() produce a new tensor; data<float>() reads it out).
        using var dense = batch.to(ScalarType.Float32, CPU).contiguous();
        float[] values = dense.data<float>().ToArray();
        return new TensorCams(batch, values, copied: true, b, c, h, w);
    }

    /// <summary>Image <paramref name="index"/>'s maps, a slice of <see cref="Values"/> (no copy).</summary>
    /// <param name="index">0..B-1.</param>
    /// <param name="labelIds">VOC id of each of the C channels (e.g. 1..20 for a VOC head's 20 foreground classes).</param>
    public ClassMaps Image(int index, int[] labelIds)
    {
        int n = Channels * Height * Width;
        return new ClassMaps(labelIds, Height, Width, Values.Slice(index * n, n));
    }

    /// <summary>Memory over a CPU tensor's storage; the tensor is referenced so the storage stays alive.</summary>
    internal sealed unsafe class TensorMemory(Tensor tensor) : MemoryManager<float>
    {
        private readonly Tensor _tensor = tensor;
        private readonly float* _pointer = StoragePointer(tensor);
        private readonly int _length = checked((int)tensor.numel());

        // Tensor.bytes is a span over a contiguous CPU tensor's storage (libtorch's data_ptr, storage offset included).
        public static float* StoragePointer(Tensor tensor)
        {
            fixed (byte* p = tensor.bytes) return (float*)p;
        }

        public override Span<float> GetSpan() => new(_pointer, _length);

        // libtorch's CPU storage does not move, so pinning is a no-op.
        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => GC.KeepAlive(_tensor);
    }
}
