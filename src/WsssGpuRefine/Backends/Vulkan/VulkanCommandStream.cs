using System.Runtime.InteropServices;
using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// Records uploads, fills, dispatches and downloads into one command buffer, then submits it and
/// waits on a fence. Host-visible kernel buffers are written in place; device-local ones get a
/// staging copy. Every command waits for the ones before it (one global barrier each), which is
/// all these short pipelines need.
/// </summary>
internal sealed unsafe class VulkanCommandStream
{
    private const uint DescriptorSetsPerPool = 64;
    private const uint MaxBindingsPerSet = 8;

    private readonly VulkanBackend _backend;
    private readonly Vk _vk;
    private readonly CommandPool _pool;
    private readonly CommandBuffer _commands;
    private readonly Fence _fence;
    private readonly List<DescriptorPool> _descriptorPools = new();
    private int _currentDescriptorPool;
    private readonly List<VulkanBuffer> _uploadStaging = new();
    private readonly List<VulkanBuffer> _readbackStaging = new();
    private ulong _uploadUsed;
    private ulong _readbackUsed;
    private bool _recording;
    private bool _anyCommand;
    private bool _anyDownload;
    private bool _submitted;

    /// <summary>What each timed command was, to attribute GPU time to transfers or compute.</summary>
    private enum Phase { Upload, Compute, Readback }

    private const uint MaxTimestamps = 256;
    private QueryPool _timestamps;
    private readonly List<Phase> _timedPhases = new();

    internal VulkanCommandStream(VulkanBackend backend)
    {
        _backend = backend;
        _vk = backend.Vk;
        var device = backend.Handle;
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            QueueFamilyIndex = backend.QueueFamily,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
        };
        CommandPool pool;
        _vk.CreateCommandPool(device, &poolInfo, null, &pool).Check("creating a command pool", backend.Device.Name);
        _pool = pool;
        var allocInfo = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = _pool,
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = 1,
        };
        CommandBuffer commands;
        _vk.AllocateCommandBuffers(device, &allocInfo, &commands).Check("allocating a command buffer", backend.Device.Name);
        _commands = commands;
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        Fence fence;
        _vk.CreateFence(device, &fenceInfo, null, &fence).Check("creating a fence", backend.Device.Name);
        _fence = fence;
    }

    private void BeginIfNeeded()
    {
        if (_recording) return;
        if (_submitted) Reset();
        var begin = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo,
            Flags = CommandBufferUsageFlags.OneTimeSubmitBit,
        };
        _vk.BeginCommandBuffer(_commands, &begin).Check("recording commands", _backend.Device.Name);
        _recording = true;
        _timedPhases.Clear();
        if (_backend.TimestampPeriodNs > 0)
        {
            if (_timestamps.Handle == 0)
            {
                var info = new QueryPoolCreateInfo { SType = StructureType.QueryPoolCreateInfo, QueryType = QueryType.Timestamp, QueryCount = MaxTimestamps };
                QueryPool pool;
                _vk.CreateQueryPool(_backend.Handle, &info, null, &pool).Check("creating a timestamp query pool", _backend.Device.Name);
                _timestamps = pool;
            }
            _vk.CmdResetQueryPool(_commands, _timestamps, 0, MaxTimestamps);
            _vk.CmdWriteTimestamp(_commands, PipelineStageFlags.BottomOfPipeBit, _timestamps, 0);
        }
    }

    /// <summary>Timestamps the end of the command just recorded (each command waits for the previous one).</summary>
    private void Stamp(Phase phase)
    {
        if (_timestamps.Handle == 0 || _timedPhases.Count + 1 >= MaxTimestamps) return;
        _timedPhases.Add(phase);
        _vk.CmdWriteTimestamp(_commands, PipelineStageFlags.BottomOfPipeBit, _timestamps, (uint)_timedPhases.Count);
    }

    private void CollectTimestamps()
    {
        int count = _timedPhases.Count;
        if (count == 0) return;
        var ticks = stackalloc ulong[count + 1];
        var r = _vk.GetQueryPoolResults(_backend.Handle, _timestamps, 0, (uint)count + 1, (nuint)(sizeof(ulong) * (count + 1)), ticks,
            sizeof(ulong), QueryResultFlags.Result64Bit | QueryResultFlags.ResultWaitBit);
        if (r != Result.Success) return;
        double upload = 0, compute = 0, readback = 0;
        double msPerTick = _backend.TimestampPeriodNs / 1e6;
        for (int i = 0; i < count; i++)
        {
            double ms = (ticks[i + 1] - ticks[i]) * msPerTick;
            switch (_timedPhases[i])
            {
                case Phase.Upload: upload += ms; break;
                case Phase.Compute: compute += ms; break;
                default: readback += ms; break;
            }
        }
        _backend.AddTimings(t =>
        {
            t.GpuUploadMs += upload;
            t.GpuComputeMs += compute;
            t.GpuReadbackMs += readback;
        });
    }

    /// <summary>Makes everything recorded so far visible to the next command.</summary>
    private void BarrierBeforeCommand()
    {
        BeginIfNeeded();
        if (!_anyCommand)
        {
            _anyCommand = true;
            return;
        }
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit,
        };
        var stages = PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit;
        _vk.CmdPipelineBarrier(_commands, stages, stages, 0, 1, &barrier, 0, null, 0, null);
    }

    /// <summary>
    /// Space for <paramref name="count"/> values that will land in <paramref name="destination"/> at
    /// <paramref name="offsetBytes"/> when the stream runs: the buffer itself when host-visible, else a
    /// staging area whose copy is recorded here. Fill the span before <see cref="Submit"/>.
    /// </summary>
    public Span<T> Upload<T>(VulkanBuffer destination, ulong offsetBytes, int count) where T : unmanaged
    {
        ulong bytes = (ulong)count * (ulong)sizeof(T);
        if (offsetBytes + bytes > destination.Size)
            throw new ArgumentOutOfRangeException(nameof(count), "upload exceeds the destination buffer");
        if (count == 0) return Span<T>.Empty;
        if (destination.IsHostAccessible)
        {
            BeginIfNeeded();
            return destination.HostSpan<T>(offsetBytes, count);
        }
        var (staging, stagingOffset) = TakeStaging(_uploadStaging, ref _uploadUsed, VulkanBufferAccess.Upload, bytes);
        BarrierBeforeCommand();
        var region = new BufferCopy { SrcOffset = stagingOffset, DstOffset = offsetBytes, Size = bytes };
        _vk.CmdCopyBuffer(_commands, staging.Handle, destination.Handle, 1, &region);
        Stamp(Phase.Upload);
        return staging.HostSpan<T>(stagingOffset, count);
    }

    /// <summary>Copies <paramref name="data"/> into <paramref name="destination"/> (see the span-returning overload).</summary>
    public void Upload<T>(VulkanBuffer destination, ulong offsetBytes, ReadOnlySpan<T> data) where T : unmanaged =>
        data.CopyTo(Upload<T>(destination, offsetBytes, data.Length));

    /// <summary>Sets <paramref name="bytes"/> bytes (a multiple of 4) at <paramref name="offsetBytes"/> to the word <paramref name="value"/> on the device.</summary>
    public void Fill(VulkanBuffer destination, ulong offsetBytes, ulong bytes, uint value = 0)
    {
        if (bytes == 0) return;
        if (bytes % 4 != 0 || offsetBytes % 4 != 0) throw new ArgumentException("fills work on whole 32-bit words");
        BarrierBeforeCommand();
        _vk.CmdFillBuffer(_commands, destination.Handle, offsetBytes, bytes, value);
        Stamp(Phase.Compute);
    }

    /// <summary>Records <paramref name="kernel"/> over <paramref name="buffers"/> (bindings 0..N-1) with the push constants <paramref name="push"/>.</summary>
    public void Dispatch<TPush>(VulkanKernel kernel, ReadOnlySpan<VulkanBuffer> buffers, in TPush push,
        uint groupsX, uint groupsY = 1, uint groupsZ = 1) where TPush : unmanaged
    {
        if (buffers.Length != kernel.BindingCount)
            throw new ArgumentException($"kernel '{kernel.Name}' takes {kernel.BindingCount} buffers, not {buffers.Length}");
        if ((uint)sizeof(TPush) != kernel.PushConstantBytes)
            throw new ArgumentException($"kernel '{kernel.Name}' takes {kernel.PushConstantBytes} push-constant bytes, not {sizeof(TPush)}");
        var limits = _backend.Device.Limits;
        if (groupsX == 0 || groupsY == 0 || groupsZ == 0) return;
        if (groupsX > limits.MaxComputeWorkGroupCountX || groupsY > limits.MaxComputeWorkGroupCountY || groupsZ > limits.MaxComputeWorkGroupCountZ)
            throw new ArgumentOutOfRangeException(nameof(groupsX), $"dispatch {groupsX}x{groupsY}x{groupsZ} exceeds the device's workgroup-count limits");

        BarrierBeforeCommand();
        var set = AllocateSet(kernel);
        var infos = stackalloc DescriptorBufferInfo[buffers.Length];
        var writes = stackalloc WriteDescriptorSet[buffers.Length];
        for (int i = 0; i < buffers.Length; i++)
        {
            // A binding may not exceed maxStorageBufferRange even when the pooled buffer is larger.
            ulong range = Math.Min(buffers[i].Size, limits.MaxStorageBufferRange) & ~3UL;
            infos[i] = new DescriptorBufferInfo { Buffer = buffers[i].Handle, Offset = 0, Range = range };
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }
        _vk.UpdateDescriptorSets(_backend.Handle, (uint)buffers.Length, writes, 0, null);
        _vk.CmdBindPipeline(_commands, PipelineBindPoint.Compute, kernel.Pipeline);
        _vk.CmdBindDescriptorSets(_commands, PipelineBindPoint.Compute, kernel.Layout, 0, 1, &set, 0, null);
        if (kernel.PushConstantBytes > 0)
        {
            var copy = push;
            _vk.CmdPushConstants(_commands, kernel.Layout, ShaderStageFlags.ComputeBit, 0, kernel.PushConstantBytes, &copy);
        }
        _vk.CmdDispatch(_commands, groupsX, groupsY, groupsZ);
        Stamp(Phase.Compute);
    }

    /// <summary>
    /// Records reading <paramref name="bytes"/> bytes at <paramref name="offsetBytes"/> of
    /// <paramref name="source"/>; the data can be read with <see cref="Read{T}"/> after <see cref="Submit"/>.
    /// </summary>
    public PendingDownload Download(VulkanBuffer source, ulong offsetBytes, ulong bytes)
    {
        if (offsetBytes + bytes > source.Size)
            throw new ArgumentOutOfRangeException(nameof(bytes), "download exceeds the source buffer");
        _anyDownload = true;
        if (source.IsHostAccessible)
        {
            BeginIfNeeded();
            _anyCommand = true;
            return new PendingDownload(source, offsetBytes, bytes);
        }
        var (staging, stagingOffset) = TakeStaging(_readbackStaging, ref _readbackUsed, VulkanBufferAccess.Readback, bytes);
        BarrierBeforeCommand();
        var region = new BufferCopy { SrcOffset = offsetBytes, DstOffset = stagingOffset, Size = bytes };
        _vk.CmdCopyBuffer(_commands, source.Handle, staging.Handle, 1, &region);
        Stamp(Phase.Readback);
        return new PendingDownload(staging, stagingOffset, bytes);
    }

    /// <summary>The bytes of a download, valid after <see cref="Submit"/> until the stream records again.</summary>
    public ReadOnlySpan<T> Read<T>(PendingDownload download) where T : unmanaged
    {
        if (!_submitted || InFlight) throw new InvalidOperationException("submit the stream and wait for it before reading its downloads");
        return download.Buffer.HostSpan<T>(download.Offset, checked((int)(download.Bytes / (ulong)sizeof(T))));
    }

    /// <summary>Runs everything recorded and waits for it.</summary>
    public void Submit(string what)
    {
        SubmitNoWait(what);
        Wait();
    }

    /// <summary>True between <see cref="SubmitNoWait"/> and <see cref="Wait"/>.</summary>
    public bool InFlight { get; private set; }

    /// <summary>Starts everything recorded; the host may prepare other work until <see cref="Wait"/>.</summary>
    public void SubmitNoWait(string what)
    {
        if (!_recording) return;
        if (_anyDownload)
        {
            var barrier = new MemoryBarrier
            {
                SType = StructureType.MemoryBarrier,
                SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
                DstAccessMask = AccessFlags.HostReadBit,
            };
            _vk.CmdPipelineBarrier(_commands, PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit,
                PipelineStageFlags.HostBit, 0, 1, &barrier, 0, null, 0, null);
        }
        _vk.EndCommandBuffer(_commands).Check($"recording {what}", _backend.Device.Name);
        _recording = false;
        _submitted = true;
        var fence = _fence;
        _vk.ResetFences(_backend.Handle, 1, &fence).Check("resetting a fence", _backend.Device.Name);
        _submittedWhat = what;
        _submitStart = System.Diagnostics.Stopwatch.GetTimestamp();
        _backend.Submit(_commands, _fence, what);
        InFlight = true;
    }

    private string _submittedWhat = "";
    private long _submitStart;

    /// <summary>Waits for the work started by <see cref="SubmitNoWait"/>; downloads are readable afterwards.</summary>
    public void Wait()
    {
        if (!InFlight) return;
        InFlight = false;
        _backend.WaitForFence(_fence, _submittedWhat);
        double waited = System.Diagnostics.Stopwatch.GetElapsedTime(_submitStart).TotalMilliseconds;
        _backend.AddTimings(t =>
        {
            t.SubmitWaitMs += waited;
            t.Submissions++;
        });
        CollectTimestamps();
    }

    /// <summary>Forgets recorded work and recycles staging space and descriptor sets.</summary>
    public void Reset()
    {
        if (InFlight)
        {
            // Never recycle buffers the device may still be using; the failure, if any, was already reported.
            try { Wait(); }
            catch (VulkanBackendException) { }
        }
        if (_recording)
        {
            _vk.EndCommandBuffer(_commands);
            _recording = false;
        }
        _vk.ResetCommandBuffer(_commands, 0);
        foreach (var pool in _descriptorPools)
            _vk.ResetDescriptorPool(_backend.Handle, pool, 0);
        _currentDescriptorPool = 0;
        _uploadUsed = 0;
        _readbackUsed = 0;
        ConsolidateStaging(_uploadStaging);
        ConsolidateStaging(_readbackStaging);
        _anyCommand = false;
        _anyDownload = false;
        _submitted = false;
    }

    /// <summary>After a stream that needed several staging buffers, keep one big enough for all of them.</summary>
    private void ConsolidateStaging(List<VulkanBuffer> list)
    {
        if (list.Count <= 1) return;
        ulong total = 0;
        foreach (var b in list) total += b.Size;
        var access = list[0].Access;
        foreach (var b in list) _backend.ReturnBuffer(b);
        list.Clear();
        list.Add(_backend.RentBuffer(access, total));
    }

    private (VulkanBuffer Buffer, ulong Offset) TakeStaging(List<VulkanBuffer> list, ref ulong used, VulkanBufferAccess access, ulong bytes)
    {
        // Staging buffers are laid end to end: 'used' counts bytes over all of them, the last one has the free space.
        ulong aligned = (bytes + 15) & ~15UL;
        ulong start = 0;
        foreach (var b in list)
        {
            ulong position = Math.Max(used, start);
            if (position + aligned <= start + b.Size)
            {
                used = position + aligned;
                return (b, position - start);
            }
            start += b.Size;
        }
        var fresh = _backend.RentBuffer(access, Math.Max(aligned, 1UL << 20));
        list.Add(fresh);
        used = start + aligned;
        return (fresh, 0);
    }

    private DescriptorSet AllocateSet(VulkanKernel kernel)
    {
        while (true)
        {
            if (_currentDescriptorPool == _descriptorPools.Count) _descriptorPools.Add(CreateDescriptorPool());
            var layout = kernel.SetLayout;
            var info = new DescriptorSetAllocateInfo
            {
                SType = StructureType.DescriptorSetAllocateInfo,
                DescriptorPool = _descriptorPools[_currentDescriptorPool],
                DescriptorSetCount = 1,
                PSetLayouts = &layout,
            };
            DescriptorSet set;
            var result = _vk.AllocateDescriptorSets(_backend.Handle, &info, &set);
            if (result == Result.Success) return set;
            if (result is Result.ErrorOutOfPoolMemory or Result.ErrorFragmentedPool)
            {
                _currentDescriptorPool++;
                continue;
            }
            result.Check("allocating a descriptor set", _backend.Device.Name);
        }
    }

    private DescriptorPool CreateDescriptorPool()
    {
        var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = DescriptorSetsPerPool * MaxBindingsPerSet };
        var info = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            MaxSets = DescriptorSetsPerPool,
            PoolSizeCount = 1,
            PPoolSizes = &size,
        };
        DescriptorPool pool;
        _vk.CreateDescriptorPool(_backend.Handle, &info, null, &pool).Check("creating a descriptor pool", _backend.Device.Name);
        return pool;
    }

    /// <summary>Frees the Vulkan objects; called by the backend on disposal (staging buffers go with the backend's).</summary>
    internal void Destroy()
    {
        var device = _backend.Handle;
        foreach (var pool in _descriptorPools) _vk.DestroyDescriptorPool(device, pool, null);
        if (_timestamps.Handle != 0) _vk.DestroyQueryPool(device, _timestamps, null);
        _descriptorPools.Clear();
        _vk.DestroyFence(device, _fence, null);
        _vk.DestroyCommandPool(device, _pool, null);
    }
}

/// <summary>Where a download's bytes will be once the stream has run.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct PendingDownload(VulkanBuffer Buffer, ulong Offset, ulong Bytes);
