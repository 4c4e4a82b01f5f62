namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>How to open a <see cref="VulkanBackend"/>.</summary>
public sealed class VulkanBackendOptions
{
    /// <summary>Keep only devices whose name contains this (case-insensitive); null = any.</summary>
    public string? DeviceNameContains { get; init; }

    /// <summary>Accept a software driver such as lavapipe (what <c>--backend vulkan</c> does; <c>auto</c> never does).</summary>
    public bool AllowSoftware { get; init; } = true;

    /// <summary>
    /// Turn validation-layer errors into <see cref="VulkanBackendException"/>s through a debug-utils
    /// messenger, and load VK_LAYER_KHRONOS_validation when installed. Default: on when
    /// WSSS_VULKAN_VALIDATION=1. The layer is also honoured when VK_INSTANCE_LAYERS names it.
    /// </summary>
    public bool Validation { get; init; } = Environment.GetEnvironmentVariable("WSSS_VULKAN_VALIDATION") == "1";

    /// <summary>
    /// Only the debug-utils messenger (no layer of our own): validation errors become exceptions whenever
    /// the layer is loaded from outside, e.g. VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation. Tests set it.
    /// </summary>
    internal bool DebugMessenger { get; init; }

    /// <summary>Largest buffer one dispatch binds, below the device's own limits; tests force tiny chunks with it.</summary>
    internal ulong? MaxChunkBytes { get; init; }

    /// <summary>
    /// Items each thread handles in the histogram kernels (default: the kernel's own choice). Tests raise
    /// it so one workgroup meets more distinct keys than its shared table holds.
    /// </summary>
    internal int? ItemsPerThread { get; init; }

    /// <summary>Use device-local buffers and staging copies even on host-visible memory (tests the discrete-GPU path on lavapipe).</summary>
    internal bool ForceStaging { get; init; }

    /// <summary>
    /// Images a per-image job (refine, bench) keeps in flight on this device at once (<see cref="ComputeBackend.ConcurrentImages"/>),
    /// 1..16, default 2: while one image's submission runs on the GPU, the host prepares the next one (its features,
    /// unaries and CPU-side steps, packed and uploaded; the lattice itself is built on the device), so the queue does not
    /// wait on the CPU. 1 feeds the queue one image at a time. Each image runs in its own command stream and buffers, so
    /// the results are the same whatever the value.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1..16.</exception>
    public int ImagesInFlight
    {
        get;
        init => field = value is >= 1 and <= 16 ? value : throw new ArgumentOutOfRangeException(nameof(ImagesInFlight), value, "must be in 1..16");
    } = 2;

    /// <summary>Test seam: the loader library to load instead of the system's.</summary>
    internal string? LoaderLibrary { get; init; }
}
