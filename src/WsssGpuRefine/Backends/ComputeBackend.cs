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
/// Where kernels run. Each operation folder (Threshold/, Sweep/, Confusion/, ...) holds its CPU
/// implementation and its GPU dispatch side by side and picks one by looking at the backend it is
/// handed, so adding a kernel never edits a list here. Convention: the operation's public entry point
/// (e.g. <c>ThresholdLabeling.Label(backend, ...)</c>) declares a <c>static partial void XxxOnGpu(..., ref result)</c>
/// hook; the file <c>Xxx.Vulkan.cs</c> beside it implements that hook (checks <c>backend is VulkanBackend</c>,
/// dispatches its shader, sets the result), and the CPU path runs when the hook leaves the result unset. A backend is created once and reused across
/// calls (pipelines, buffers and thread pools stay warm); dispose it when done.
/// </summary>
public abstract class ComputeBackend : IDisposable
{
    /// <summary>CPU or Vulkan; <see cref="Name"/> is its lower-case form.</summary>
    public abstract BackendKind Kind { get; }

    /// <summary>Human-readable device name, e.g. "CPU (2 threads, AVX2)" or "NVIDIA H100 (discrete)".</summary>
    public abstract string DeviceName { get; }

    /// <summary>Short stable name used in JSON reports: "cpu" or "vulkan".</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>Releases the device resources (pipelines, buffers); the backend cannot be used afterwards.</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
