using Silk.NET.Vulkan;
using Buffer = Silk.NET.Vulkan.Buffer;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>What a buffer is for; the backend picks its memory type from this.</summary>
public enum VulkanBufferAccess
{
    /// <summary>Kernel input: device-local on discrete GPUs (filled by staging copies), mapped directly otherwise.</summary>
    ReadOnly,
    /// <summary>Kernel input/output: as <see cref="ReadOnly"/>.</summary>
    ReadWrite,
    /// <summary>Host-to-device staging: host-visible, coherent.</summary>
    Upload,
    /// <summary>Device-to-host staging: host-visible, coherent, cached when the device offers it.</summary>
    Readback,
}

/// <summary>A buffer with its own memory allocation; mapped for its lifetime when the host writes or reads it directly.</summary>
internal sealed unsafe class VulkanBuffer
{
    internal VulkanBuffer(Buffer handle, DeviceMemory memory, ulong size, VulkanBufferAccess access, byte* mapped)
    {
        Handle = handle;
        Memory = memory;
        Size = size;
        Access = access;
        Mapped = mapped;
    }

    public Buffer Handle { get; }
    public DeviceMemory Memory { get; }
    public ulong Size { get; }
    public VulkanBufferAccess Access { get; }

    /// <summary>Host pointer when the host reads/writes it directly, null when it goes through staging.</summary>
    public byte* Mapped { get; }
    public bool IsHostAccessible => Mapped != null;

    internal bool Destroyed { get; set; }

    public Span<T> HostSpan<T>(ulong offsetBytes, int count) where T : unmanaged
    {
        if (Mapped == null) throw new InvalidOperationException("buffer is not host-visible");
        if (offsetBytes + (ulong)count * (ulong)sizeof(T) > Size)
            throw new ArgumentOutOfRangeException(nameof(count), "range exceeds the buffer");
        return new Span<T>(Mapped + offsetBytes, count);
    }
}
