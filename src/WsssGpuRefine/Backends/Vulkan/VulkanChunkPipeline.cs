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
