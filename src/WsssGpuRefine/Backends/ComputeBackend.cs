using WsssGpuRefine.Core;

namespace WsssGpuRefine.Backends;

/// <summary>Which backend the caller asks for (<c>--backend auto|cpu|vulkan</c>).</summary>
public enum BackendPreference
{
    /// <summary>The best real GPU (discrete over integrated), never a software driver; else the CPU path.</summary>
    Auto,
    /// <summary>The CPU path (SIMD + threads) on every core, even where a GPU is present.</summary>
    Cpu,
    /// <summary>Vulkan, on the best device found; software drivers (lavapipe) are accepted when asked for by name.</summary>
    Vulkan,
}

/// <summary>Which kind of backend an instance is; operations switch on the instance itself, reports on this.</summary>
public enum BackendKind
{
    /// <summary>A <see cref="CpuBackend"/>.</summary>
    Cpu,
    /// <summary>A <see cref="Vulkan.VulkanBackend"/> (GPU, or a software driver when asked for explicitly).</summary>
    Vulkan,
}

/// <summary>
/// Where kernels run, and how much the host may spread its own work. Every operation reaches a backend the
/// same way: it wraps one call's inputs in an <see cref="IBackendOperation{TResult}"/> and hands it to
/// <see cref="Run{TResult}"/>, which calls the operation's CPU or Vulkan side (files <c>Op.Cpu.cs</c> and
/// <c>Op.Vulkan.cs</c> beside <c>Op.cs</c>); adding a kernel never edits a list here (docs/architecture.md,
/// "Backends"). A backend is created once and reused across calls (pipelines, buffers and thread pools stay
/// warm); dispose it when done.
/// </summary>
public abstract class ComputeBackend : IDisposable
{
    /// <summary>CPU or Vulkan; <see cref="Name"/> is its lower-case form.</summary>
    public abstract BackendKind Kind { get; }

    /// <summary>Human-readable device name, e.g. "CPU (2 threads, AVX2)" or "NVIDIA H100 (discrete)".</summary>
    public abstract string DeviceName { get; }

    /// <summary>Short stable name used in JSON reports: "cpu" or "vulkan".</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>
    /// Threads the host-side loops of one operation use at most (CPU kernels, and the host work of a GPU
    /// operation such as building a CRF lattice).
    /// </summary>
    public abstract int MaxDegreeOfParallelism { get; }

    /// <summary>
    /// Fresh options carrying <see cref="MaxDegreeOfParallelism"/>, for the operations' Parallel.For loops, on a
    /// scheduler that lets a waiting caller run queued work (so a forked process still finishes its loops).
    /// </summary>
    public ParallelOptions ParallelOptions => new() { MaxDegreeOfParallelism = MaxDegreeOfParallelism, TaskScheduler = ForkSafeScheduler.Instance };

    /// <summary>
    /// Images a per-image job (refine, bench) works on at once: several on the CPU, which refines one image per
    /// thread; two on a GPU, so that the host side of one image (features, unaries, packing, upload) overlaps the other's
    /// submission (<see cref="Vulkan.VulkanBackendOptions.ImagesInFlight"/>).
    /// </summary>
    public abstract int ConcurrentImages { get; }

    /// <summary>The one dispatch point: runs <paramref name="operation"/>'s side for this backend.</summary>
    internal abstract TResult Run<TResult>(IBackendOperation<TResult> operation);

    /// <summary>Releases the device resources (pipelines, buffers); the backend cannot be used afterwards.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
