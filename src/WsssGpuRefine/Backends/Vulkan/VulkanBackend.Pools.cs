using Silk.NET.Vulkan;
using Buffer = Silk.NET.Vulkan.Buffer;

namespace WsssGpuRefine.Backends.Vulkan;

// Pools of buffers and command streams reused across calls.
public sealed unsafe partial class VulkanBackend
{
    /// <summary>
    /// A buffer of at least <paramref name="minBytes"/> for <paramref name="access"/>, reused from earlier
    /// calls when one is free. Give it back with <see cref="ReturnBuffer"/>.
    /// </summary>
    internal VulkanBuffer RentBuffer(VulkanBufferAccess access, ulong minBytes)
    {
        ThrowIfDisposed();
        minBytes = Math.Max(minBytes, 16);
        lock (_lock)
        {
            VulkanBuffer? best = null;
            foreach (var b in _freeBuffers)
                if (b.Access == access && b.Size >= minBytes && (best is null || b.Size < best.Size))
                    best = b;
            if (best is not null)
            {
                _freeBuffers.Remove(best);
                return best;
            }
        }
        // Round up so that slowly growing batches reuse one allocation instead of making a new one each time.
        ulong size = Math.Max(64UL << 10, System.Numerics.BitOperations.RoundUpToPowerOf2(minBytes));
        if (access is VulkanBufferAccess.ReadOnly or VulkanBufferAccess.ReadWrite)
            size = Math.Min(size, Math.Max(MaxBufferBytes, minBytes));
        return CreateBuffer(access, size);
    }

    internal void ReturnBuffer(VulkanBuffer buffer)
    {
        lock (_lock)
        {
            if (_disposed || buffer.Destroyed) return;
            _freeBuffers.Add(buffer);
            // Bound what idles in the pool: drop the oldest free buffers past 1 GiB.
            ulong total = 0;
            foreach (var b in _freeBuffers) total += b.Size;
            while (total > (1UL << 30) && _freeBuffers.Count > 1)
            {
                var victim = _freeBuffers[0];
                _freeBuffers.RemoveAt(0);
                total -= victim.Size;
                DestroyBuffer(victim);
            }
        }
    }

    internal VulkanBuffer CreateBuffer(VulkanBufferAccess access, ulong size)
    {
        ThrowIfDisposed();
        var bufferInfo = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = size,
            Usage = BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit,
            SharingMode = SharingMode.Exclusive,
        };
        Buffer buffer;
        _vk.CreateBuffer(_device, &bufferInfo, null, &buffer).Check($"creating a {size >> 10} KiB buffer", Device.Name);
        DeviceMemory memory = default;
        try
        {
            MemoryRequirements req;
            _vk.GetBufferMemoryRequirements(_device, buffer, &req);
            bool hostAccess = access is VulkanBufferAccess.Upload or VulkanBufferAccess.Readback || !UsesStaging;
            var (required, preferred) = access switch
            {
                VulkanBufferAccess.Upload => (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit, (MemoryPropertyFlags)0),
                VulkanBufferAccess.Readback => (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit, MemoryPropertyFlags.HostCachedBit),
                _ when UsesStaging => (MemoryPropertyFlags.DeviceLocalBit, (MemoryPropertyFlags)0),
                _ => (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit, MemoryPropertyFlags.DeviceLocalBit),
            };
            int type = FindMemoryType(req.MemoryTypeBits, required, preferred);
            if (type < 0)
                throw new VulkanBackendException($"device '{Device.Name}' has no memory type that is {required} for {access} buffers");
            var allocInfo = new MemoryAllocateInfo
            {
                SType = StructureType.MemoryAllocateInfo,
                AllocationSize = req.Size,
                MemoryTypeIndex = (uint)type,
            };
            _vk.AllocateMemory(_device, &allocInfo, null, &memory)
                .Check($"allocating {req.Size >> 20} MiB of {access} memory", Device.Name);
            _vk.BindBufferMemory(_device, buffer, memory, 0).Check("binding buffer memory", Device.Name);
            void* mapped = null;
            if (hostAccess)
                _vk.MapMemory(_device, memory, 0, Vk.WholeSize, 0, &mapped).Check("mapping buffer memory", Device.Name);
            var result = new VulkanBuffer(buffer, memory, size, access, (byte*)mapped);
            lock (_lock) _liveBuffers.Add(result);
            return result;
        }
        catch
        {
            if (memory.Handle != 0) _vk.FreeMemory(_device, memory, null);
            _vk.DestroyBuffer(_device, buffer, null);
            throw;
        }
    }

    private int FindMemoryType(uint typeBits, MemoryPropertyFlags required, MemoryPropertyFlags preferred)
    {
        int fallback = -1;
        for (int i = 0; i < _memory.MemoryTypeCount; i++)
        {
            if ((typeBits & (1u << i)) == 0) continue;
            var flags = _memory.MemoryTypes[i].PropertyFlags;
            if ((flags & required) != required) continue;
            if ((flags & preferred) == preferred) return i;
            if (fallback < 0) fallback = i;
        }
        return fallback;
    }

    internal void DestroyBuffer(VulkanBuffer buffer)
    {
        lock (_lock)
        {
            if (buffer.Destroyed) return;
            buffer.Destroyed = true;
            _liveBuffers.Remove(buffer);
            _freeBuffers.Remove(buffer);
        }
        if (buffer.Mapped != null) _vk.UnmapMemory(_device, buffer.Memory);
        _vk.DestroyBuffer(_device, buffer.Handle, null);
        _vk.FreeMemory(_device, buffer.Memory, null);
    }

    /// <summary>Number of buffers alive (rented, pooled or owned by streams): lets tests check for leaks.</summary>
    internal int LiveBufferCount { get { lock (_lock) return _liveBuffers.Count; } }

    internal int PooledBufferCount { get { lock (_lock) return _freeBuffers.Count; } }

    /// <summary>A command stream to record copies and dispatches into; give it back with <see cref="ReturnStream"/>.</summary>
    internal VulkanCommandStream RentStream()
    {
        ThrowIfDisposed();
        lock (_lock)
        {
            if (_freeStreams.Count > 0) return _freeStreams.Pop();
        }
        var stream = new VulkanCommandStream(this);
        lock (_lock) _allStreams.Add(stream);
        return stream;
    }

    internal void ReturnStream(VulkanCommandStream stream)
    {
        stream.Reset();
        lock (_lock) if (!_disposed) _freeStreams.Push(stream);
    }
}
