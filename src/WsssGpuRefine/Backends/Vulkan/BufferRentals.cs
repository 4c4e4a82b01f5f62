namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>The buffers one operation has rented from the backend's pool; all go back together.</summary>
internal sealed class BufferRentals(VulkanBackend vk) : IDisposable
{
    private readonly List<VulkanBuffer> _rented = new(8);

    public VulkanBuffer Rent(VulkanBufferAccess access, ulong bytes)
    {
        var buffer = vk.RentBuffer(access, Math.Max(bytes, 16));
        _rented.Add(buffer);
        return buffer;
    }

    public void ReturnAll()
    {
        foreach (var b in _rented) vk.ReturnBuffer(b);
        _rented.Clear();
    }

    public void Dispose() => ReturnAll();
}
