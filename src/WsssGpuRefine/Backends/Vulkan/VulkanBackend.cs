using System.Reflection;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;
using Buffer = Silk.NET.Vulkan.Buffer;
using VkDevice = Silk.NET.Vulkan.Device;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// Kernels run on a Vulkan device through compute pipelines built from the SPIR-V embedded in this
/// library (<c>shaders/NAME.spv</c>). Create it once and reuse it: pipelines, buffers and command
/// streams are cached. Safe to share between threads: each operation records into its own command
/// stream and buffers; queue submission and the caches are locked.
/// </summary>
public sealed unsafe class VulkanBackend : ComputeBackend
{
    /// <summary>Default ceiling for one binding, well under every real limit, so memory use stays predictable.</summary>
    private const ulong DefaultMaxChunkBytes = 128UL << 20;

    private readonly VulkanContext _context;
    private readonly Vk _vk;
    private readonly VkDevice _device;
    private readonly Queue _queue;
    private readonly PhysicalDeviceMemoryProperties _memory;
    private readonly PipelineCache _pipelineCache;
    private readonly Dictionary<string, VulkanKernel> _kernels = new();
    private readonly HashSet<VulkanBuffer> _liveBuffers = new();
    private readonly List<VulkanBuffer> _freeBuffers = new();
    private readonly Stack<VulkanCommandStream> _freeStreams = new();
    private readonly List<VulkanCommandStream> _allStreams = new();
    private readonly object _lock = new();
    private bool _disposed;

    /// <summary>Opens the best device allowed by <paramref name="options"/> (discrete &gt; integrated &gt; virtual &gt; software).</summary>
    public static VulkanBackend Create(VulkanBackendOptions? options = null)
    {
        options ??= new VulkanBackendOptions();
        return new VulkanBackend(options, wanted: null);
    }

    /// <summary>Opens the device <paramref name="device"/> (from <see cref="VulkanDevices.Enumerate()"/>).</summary>
    public static VulkanBackend Create(VulkanDeviceInfo device, VulkanBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new VulkanBackend(options ?? new VulkanBackendOptions(), device);
    }

    private VulkanBackend(VulkanBackendOptions options, VulkanDeviceInfo? wanted)
    {
        Options = options;
        _context = VulkanContext.TryCreate(options.LoaderLibrary, debugMessenger: options.Validation || options.DebugMessenger,
                       validationLayer: options.Validation, out var failure)
                   ?? throw new VulkanBackendException($"Vulkan is not available: {failure}");
        _vk = _context.Vk;
        try
        {
            var entries = VulkanDevices.Query(_context);
            VulkanDevices.PhysicalDeviceEntry? chosen = null;
            if (wanted is not null)
            {
                foreach (var e in entries)
                    if (e.Info.DeviceUuid == wanted.DeviceUuid && e.Info.Name == wanted.Name) { chosen = e; break; }
                if (chosen is null)
                    throw new VulkanBackendException($"Vulkan device '{wanted.Name}' is no longer present");
                if (!chosen.Value.Info.IsUsable)
                    throw new VulkanBackendException($"Vulkan device '{wanted.Name}' cannot run the kernels: it {chosen.Value.Info.UnusableReason}");
            }
            else
            {
                var best = VulkanDevices.PickBest(entries.Select(e => e.Info), options.AllowSoftware, options.DeviceNameContains);
                if (best is null)
                    throw new VulkanBackendException(NoDeviceMessage(entries.Select(e => e.Info).ToList(), options));
                chosen = entries.First(e => e.Info.Index == best.Index);
            }

            var entry = chosen.Value;
            Device = entry.Info;
            PhysicalDevice = entry.Handle;
            QueueFamily = entry.ComputeQueueFamily;
            TimestampPeriodNs = entry.TimestampValidBits > 0 && entry.TimestampPeriodNs > 0 ? entry.TimestampPeriodNs : 0;
            _timings.HasGpuTimestamps = TimestampPeriodNs > 0;
            UsesStaging = options.ForceStaging || Device.Type == VulkanDeviceType.DiscreteGpu;

            ulong maxChunk = Device.Limits.MaxStorageBufferRange;
            if (Device.Limits.MaxMemoryAllocationSize > 0) maxChunk = Math.Min(maxChunk, Device.Limits.MaxMemoryAllocationSize);
            maxChunk = Math.Min(maxChunk, options.MaxChunkBytes ?? DefaultMaxChunkBytes);
            MaxBufferBytes = maxChunk & ~15UL;
            if (MaxBufferBytes < 64)
                throw new ArgumentException("MaxChunkBytes must be at least 64 bytes", nameof(options));

            PhysicalDeviceMemoryProperties memory;
            _vk.GetPhysicalDeviceMemoryProperties(PhysicalDevice, &memory);
            _memory = memory;

            float priority = 1f;
            var queueInfo = new DeviceQueueCreateInfo
            {
                SType = StructureType.DeviceQueueCreateInfo,
                QueueFamilyIndex = QueueFamily,
                QueueCount = 1,
                PQueuePriorities = &priority,
            };
            var deviceInfo = new DeviceCreateInfo
            {
                SType = StructureType.DeviceCreateInfo,
                QueueCreateInfoCount = 1,
                PQueueCreateInfos = &queueInfo,
            };
            VkDevice device;
            _vk.CreateDevice(PhysicalDevice, &deviceInfo, null, &device).Check("creating the logical device", Device.Name);
            _device = device;
            Queue queue;
            _vk.GetDeviceQueue(_device, QueueFamily, 0, &queue);
            _queue = queue;

            var cacheInfo = new PipelineCacheCreateInfo { SType = StructureType.PipelineCacheCreateInfo };
            PipelineCache cache;
            _vk.CreatePipelineCache(_device, &cacheInfo, null, &cache).Check("creating the pipeline cache", Device.Name);
            _pipelineCache = cache;
            _context.ThrowIfValidationErrors("device creation");
        }
        catch
        {
            DestroyAll();
            throw;
        }
    }

    private static string NoDeviceMessage(List<VulkanDeviceInfo> devices, VulkanBackendOptions options)
    {
        if (devices.Count == 0) return "no Vulkan device found (no driver/ICD installed)";
        string found = string.Join(", ", devices.Select(d => d.IsUsable ? d.ToString() : $"{d} [{d.UnusableReason}]"));
        if (!string.IsNullOrEmpty(options.DeviceNameContains))
            return $"no usable Vulkan device matches '{options.DeviceNameContains}' (found: {found})";
        return $"no usable Vulkan device{(options.AllowSoftware ? "" : " other than software drivers")} (found: {found})";
    }

    /// <summary>The options this backend was created with (device choice, validation, staging).</summary>
    public VulkanBackendOptions Options { get; }

    /// <summary>The device in use, with its limits.</summary>
    public VulkanDeviceInfo Device { get; }

    /// <summary>Always <see cref="BackendKind.Vulkan"/>.</summary>
    public override BackendKind Kind => BackendKind.Vulkan;
    /// <summary>"NAME (TYPE)" of the device in use, e.g. "NVIDIA H100 80GB HBM3 (discrete GPU)".</summary>
    public override string DeviceName => Device.ToString();

    /// <summary>True when kernel buffers are device-local and filled/read through staging copies (discrete GPUs).</summary>
    public bool UsesStaging { get; }

    /// <summary>The largest buffer a kernel binds; batches are cut into chunks that fit it.</summary>
    public ulong MaxBufferBytes { get; }

    /// <summary>Nanoseconds per GPU timestamp tick; 0 when the compute queue cannot time commands.</summary>
    internal float TimestampPeriodNs { get; }

    private readonly VulkanTimings _timings = new();

    /// <summary>
    /// Where time went since the last <see cref="ResetTimings"/>: host packing/unpacking (wall clock) and
    /// GPU upload copies, compute and readback copies (GPU timestamps, when the device has them). On
    /// host-visible memory there are no copies: transfers are the host packing and unpacking alone.
    /// </summary>
    public VulkanTimings Timings { get { lock (_lock) return _timings.Clone(); } }

    /// <summary>Zeroes <see cref="Timings"/>, e.g. between a warm-up and a measured run.</summary>
    public void ResetTimings() { lock (_lock) _timings.Clear(); }

    internal void AddTimings(Action<VulkanTimings> add) { lock (_lock) add(_timings); }

    /// <summary>Adds the host time since <paramref name="startTimestamp"/> (Stopwatch ticks) to packing or unpacking.</summary>
    internal void AddHostTime(long startTimestamp, bool unpacking)
    {
        double ms = System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        lock (_lock)
        {
            if (unpacking) _timings.HostUnpackMs += ms;
            else _timings.HostPackMs += ms;
        }
    }

    internal PhysicalDevice PhysicalDevice { get; }
    internal uint QueueFamily { get; }
    internal Vk Vk => _vk;
    internal VkDevice Handle => _device;
    internal Queue Queue => _queue;
    internal VulkanContext Context => _context;

    private volatile bool _deviceLost;

    /// <summary>True once the device was lost: every later call fails fast, the backend must be recreated.</summary>
    public bool IsDeviceLost => _deviceLost;

    internal void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_deviceLost)
            throw new VulkanBackendException(
                $"the Vulkan device '{Device.Name}' was lost earlier; create a new backend or run with --backend cpu",
                Result.ErrorDeviceLost);
    }

    /// <summary>The pipeline for the embedded shader <c>shaders/NAME.spv</c>, built on first use.</summary>
    internal VulkanKernel GetKernel(string name, int bindingCount, uint pushConstantBytes)
    {
        ThrowIfDisposed();
        lock (_lock)
        {
            if (_kernels.TryGetValue(name, out var cached))
            {
                if (cached.BindingCount != bindingCount || cached.PushConstantBytes != pushConstantBytes)
                    throw new InvalidOperationException($"kernel '{name}' was created with another layout");
                return cached;
            }
            var kernel = BuildKernel(name, bindingCount, pushConstantBytes);
            _kernels.Add(name, kernel);
            return kernel;
        }
    }

    internal static byte[] LoadSpirv(string name)
    {
        string resource = $"shaders/{name}.spv";
        using var stream = typeof(VulkanBackend).Assembly.GetManifestResourceStream(resource)
            ?? throw new VulkanBackendException($"kernel '{name}' is not compiled into this build (embedded resource {resource} is missing)");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        if (bytes.Length < 20 || bytes.Length % 4 != 0 || BitConverter.ToUInt32(bytes, 0) != 0x07230203)
            throw new VulkanBackendException($"embedded resource {resource} is not SPIR-V");
        return bytes;
    }

    private VulkanKernel BuildKernel(string name, int bindingCount, uint pushConstantBytes)
    {
        if (pushConstantBytes > Device.Limits.MaxPushConstantsSize || pushConstantBytes % 4 != 0)
            throw new InvalidOperationException($"kernel '{name}': {pushConstantBytes} push-constant bytes are not supported");
        var code = LoadSpirv(name);
        ShaderModule module;
        fixed (byte* p = code)
        {
            var moduleInfo = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)code.Length,
                PCode = (uint*)p,
            };
            _vk.CreateShaderModule(_device, &moduleInfo, null, &module).Check($"loading kernel '{name}'", Device.Name);
        }

        DescriptorSetLayout setLayout = default;
        PipelineLayout layout = default;
        try
        {
            var bindings = stackalloc DescriptorSetLayoutBinding[bindingCount];
            for (int i = 0; i < bindingCount; i++)
                bindings[i] = new DescriptorSetLayoutBinding
                {
                    Binding = (uint)i,
                    DescriptorType = DescriptorType.StorageBuffer,
                    DescriptorCount = 1,
                    StageFlags = ShaderStageFlags.ComputeBit,
                };
            var setInfo = new DescriptorSetLayoutCreateInfo
            {
                SType = StructureType.DescriptorSetLayoutCreateInfo,
                BindingCount = (uint)bindingCount,
                PBindings = bindings,
            };
            _vk.CreateDescriptorSetLayout(_device, &setInfo, null, &setLayout).Check($"creating kernel '{name}'", Device.Name);

            var range = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = pushConstantBytes };
            var layoutInfo = new PipelineLayoutCreateInfo
            {
                SType = StructureType.PipelineLayoutCreateInfo,
                SetLayoutCount = 1,
                PSetLayouts = &setLayout,
                PushConstantRangeCount = pushConstantBytes > 0 ? 1u : 0u,
                PPushConstantRanges = pushConstantBytes > 0 ? &range : null,
            };
            _vk.CreatePipelineLayout(_device, &layoutInfo, null, &layout).Check($"creating kernel '{name}'", Device.Name);

            var entry = (byte*)SilkMarshal.StringToPtr("main");
            try
            {
                var pipelineInfo = new ComputePipelineCreateInfo
                {
                    SType = StructureType.ComputePipelineCreateInfo,
                    Stage = new PipelineShaderStageCreateInfo
                    {
                        SType = StructureType.PipelineShaderStageCreateInfo,
                        Stage = ShaderStageFlags.ComputeBit,
                        Module = module,
                        PName = entry,
                    },
                    Layout = layout,
                };
                Pipeline pipeline;
                _vk.CreateComputePipelines(_device, _pipelineCache, 1, &pipelineInfo, null, &pipeline)
                    .Check($"building kernel '{name}'", Device.Name);
                _context.ThrowIfValidationErrors($"building kernel '{name}'");
                return new VulkanKernel(name, bindingCount, pushConstantBytes, setLayout, layout, pipeline);
            }
            finally
            {
                SilkMarshal.Free((nint)entry);
            }
        }
        catch
        {
            if (layout.Handle != 0) _vk.DestroyPipelineLayout(_device, layout, null);
            if (setLayout.Handle != 0) _vk.DestroyDescriptorSetLayout(_device, setLayout, null);
            throw;
        }
        finally
        {
            // A pipeline keeps what it needs; the module is only read while building it.
            _vk.DestroyShaderModule(_device, module, null);
        }
    }

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

    /// <summary>Submits and waits on the compute queue, turning device loss and validation errors into exceptions.</summary>
    /// <summary>Submits to the compute queue; <see cref="WaitForFence"/> waits for it.</summary>
    internal void Submit(CommandBuffer commands, Fence fence, string what)
    {
        var submit = new SubmitInfo
        {
            SType = StructureType.SubmitInfo,
            CommandBufferCount = 1,
            PCommandBuffers = &commands,
        };
        ThrowIfDisposed();
        try
        {
            lock (_lock)
                _vk.QueueSubmit(_queue, 1, &submit, fence).Check($"submitting {what}", Device.Name);
        }
        catch (VulkanBackendException e) when (e.IsDeviceLost)
        {
            _deviceLost = true;
            throw;
        }
    }

    /// <summary>Waits for a submission, turning device loss and validation errors into exceptions.</summary>
    internal void WaitForFence(Fence fence, string what)
    {
        try
        {
            // The driver's watchdog turns a hung kernel into device loss, which ends this loop.
            Result r;
            do r = _vk.WaitForFences(_device, 1, &fence, true, 10_000_000_000UL);
            while (r == Result.Timeout);
            r.Check($"waiting for {what}", Device.Name);
        }
        catch (VulkanBackendException e) when (e.IsDeviceLost)
        {
            _deviceLost = true;
            throw;
        }
        _context.ThrowIfValidationErrors(what);
    }

    /// <summary>Waits for the device to go idle, then destroys streams, buffers, pipelines, the device and the instance; a second call does nothing.</summary>
    public override void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        DestroyAll();
        base.Dispose();
    }

    private void DestroyAll()
    {
        if (_device.Handle != 0)
        {
            _vk.DeviceWaitIdle(_device);
            foreach (var s in _allStreams) s.Destroy();
            _allStreams.Clear();
            _freeStreams.Clear();
            foreach (var b in _liveBuffers.ToList()) DestroyBuffer(b);
            foreach (var k in _kernels.Values)
            {
                _vk.DestroyPipeline(_device, k.Pipeline, null);
                _vk.DestroyPipelineLayout(_device, k.Layout, null);
                _vk.DestroyDescriptorSetLayout(_device, k.SetLayout, null);
            }
            _kernels.Clear();
            if (_pipelineCache.Handle != 0) _vk.DestroyPipelineCache(_device, _pipelineCache, null);
            _vk.DestroyDevice(_device, null);
        }
        _context.Dispose();
    }
}
