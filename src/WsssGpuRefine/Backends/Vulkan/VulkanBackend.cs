using Silk.NET.Vulkan;
using VkDevice = Silk.NET.Vulkan.Device;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// Kernels run on a Vulkan device through compute pipelines built from the SPIR-V embedded in this
/// library (<c>shaders/NAME.spv</c>). Create it once and reuse it: pipelines, buffers and command
/// streams are cached. Safe to share between threads: each operation records into its own command
/// stream and buffers; queue submission and the caches are locked. This file sets the device up and tears it
/// down; VulkanBackend.Kernels.cs builds pipelines, VulkanBackend.Pools.cs pools buffers and command streams,
/// VulkanBackend.Submission.cs submits and waits, VulkanBackend.Timings.cs keeps the time spent.
/// </summary>
public sealed unsafe partial class VulkanBackend : ComputeBackend
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

    /// <summary>Every core, for the host side of GPU operations (CRF lattices, inputs too large for the device).</summary>
    public override int MaxDegreeOfParallelism => Environment.ProcessorCount;

    /// <summary>
    /// <see cref="VulkanBackendOptions.ImagesInFlight"/> (default 2): one image's host work (features, unaries, packing, upload)
    /// overlaps the previous image's submission; each image has its own command stream and buffers.
    /// </summary>
    public override int ConcurrentImages => Options.ImagesInFlight;

    internal override TResult Run<TResult>(IBackendOperation<TResult> operation) => operation.OnVulkan(this);


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
