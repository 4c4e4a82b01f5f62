namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// Runs the chunks of one operation through alternating slots (a command stream and its buffers each),
/// so the host packs chunk i+1 and unpacks chunk i-1 while the device works on chunk i. Results are
/// consumed in submission order. With a single chunk it is a plain submit-and-wait.
/// </summary>
internal sealed class VulkanChunkPipeline : IDisposable
{
    internal sealed class Slot(VulkanBackend vk)
    {
        public VulkanCommandStream Stream { get; } = vk.RentStream();
        public BufferRentals Buffers { get; } = new(vk);
        internal Action? Completion;
    }

    private readonly VulkanBackend _vk;
    private readonly Slot?[] _slots;
    private int _next;

    public VulkanChunkPipeline(VulkanBackend vk, int depth = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        _vk = vk;
        _slots = new Slot?[depth];
    }

    /// <summary>A slot to record the next chunk into, after finishing the chunk it held before.</summary>
    public Slot Next()
    {
        var slot = _slots[_next] ??= new Slot(_vk);
        _next = (_next + 1) % _slots.Length;
        Finish(slot);
        return slot;
    }

    /// <summary>Starts the slot's recorded work; <paramref name="completion"/> reads its results once it is done.</summary>
    public void Submit(Slot slot, string what, Action completion)
    {
        slot.Stream.SubmitNoWait(what);
        slot.Completion = completion;
    }

    /// <summary>Waits for and consumes every chunk still running, oldest first.</summary>
    public void Drain()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[(_next + i) % _slots.Length];
            if (slot is not null) Finish(slot);
        }
    }

    private static void Finish(Slot slot)
    {
        var completion = slot.Completion;
        slot.Completion = null;
        if (completion is not null)
        {
            slot.Stream.Wait();
            completion();
        }
        slot.Stream.Reset();
        slot.Buffers.ReturnAll();
    }

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            if (slot is null) continue;
            slot.Completion = null;
            slot.Stream.Reset(); // waits for work still in flight before its buffers go back
            slot.Buffers.ReturnAll();
            _vk.ReturnStream(slot.Stream);
        }
    }
}

/// <summary>What one chunk's callbacks work with: its pieces, the stream recording it and the buffers it rents.</summary>
internal readonly record struct VulkanChunk(ImagePiece[] Pieces, VulkanCommandStream Stream, BufferRentals Buffers);

/// <summary>Consumes one chunk's downloaded results on the host.</summary>
internal delegate void VulkanChunkUnpack<in TPacked, TResult>(ImagePiece[] pieces, TPacked packed, ReadOnlySpan<TResult> results)
    where TResult : unmanaged;

/// <summary>
/// The loop every batched kernel runs (threshold, sweep, confusion, threshold + confusion): for each planned chunk,
/// pack its inputs (host time counted as packing), record the dispatch, download the result buffer, and unpack it
/// once the device is done (host time counted as unpacking), two chunks in flight through a <see cref="VulkanChunkPipeline"/>.
/// </summary>
internal static class VulkanChunkLoop
{
    /// <param name="vk">the backend; its timings receive the host pack and unpack time</param>
    /// <param name="what">names the submissions in errors (the kernel's name)</param>
    /// <param name="chunks">the batch cut by <see cref="VulkanImageBatches.Plan"/></param>
    /// <param name="pack">rents and fills one chunk's buffers (uploads recorded on its stream)</param>
    /// <param name="dispatch">records the kernel over the packed buffers and returns the buffer and byte count to download</param>
    /// <param name="unpack">reads the downloaded results, in submission order</param>
    public static void Run<TPacked, TResult>(VulkanBackend vk, string what, IReadOnlyList<ImagePiece[]> chunks,
        Func<VulkanChunk, TPacked> pack, Func<VulkanChunk, TPacked, (VulkanBuffer Buffer, ulong Bytes)> dispatch,
        VulkanChunkUnpack<TPacked, TResult> unpack) where TResult : unmanaged
    {
        using var pipeline = new VulkanChunkPipeline(vk);
        foreach (var pieces in chunks)
        {
            var slot = pipeline.Next();
            var chunk = new VulkanChunk(pieces, slot.Stream, slot.Buffers);
            long packStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var packed = pack(chunk);
            vk.AddHostTime(packStart, unpacking: false);
            var (results, bytes) = dispatch(chunk, packed);
            var download = chunk.Stream.Download(results, 0, bytes);
            pipeline.Submit(slot, what, () =>
            {
                long unpackStart = System.Diagnostics.Stopwatch.GetTimestamp();
                unpack(pieces, packed, chunk.Stream.Read<TResult>(download));
                vk.AddHostTime(unpackStart, unpacking: true);
            });
        }
        pipeline.Drain();
    }
}
