using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

/// <summary>
/// Builds one CRF kernel's permutohedral lattice with its symmetric normalisation on a backend: on the CPU
/// (LatticeBuild.Cpu.cs, <see cref="PermutohedralLattice"/>) or on the device (LatticeBuild.Vulkan.cs,
/// <see cref="DeviceLattice"/>), falling back to the CPU for an image whose lattice the device cannot hold.
/// </summary>
/// <param name="Dimension">Feature dimension d (2 for the Gaussian kernel, 5 for the bilateral one).</param>
/// <param name="Features">The pixel-major (N, d) features, made when a build needs them.</param>
/// <param name="BuildCpu">The CPU build (the Gaussian kernel's goes through a per-size cache).</param>
/// <param name="SharedCpu">True when <paramref name="BuildCpu"/> hands out a kernel other images share (the Gaussian
/// cache): the prepared kernel then never releases it.</param>
/// <param name="DeviceCacheKey">When set, what the lattice depends on besides the backend (the Gaussian kernel's
/// image size and sxy): a device build is then shared through <see cref="DeviceLatticeCache"/>.</param>
internal sealed partial record LatticeBuild(int Dimension, Func<float[]> Features, Func<ParallelOptions, CrfKernel> BuildCpu, bool SharedCpu,
    object? DeviceCacheKey = null)
    : IBackendOperation<PreparedKernel>;

/// <summary>
/// A kernel's lattice as its backend built it: on the device (<see cref="Device"/>), with the CPU lattice made
/// only if a CPU path asks for it (<see cref="Cpu"/>, e.g. a CRF whose label count does not fit the device), or
/// on the CPU only. Disposing returns the device buffers to the backend's pool and, when this kernel owns its CPU
/// lattice (not a cached one other images share), that lattice's arrays to <see cref="ImageArrays"/>.
/// </summary>
internal sealed class PreparedKernel : IDisposable
{
    private readonly Lazy<CrfKernel> _cpu;

    private readonly bool _ownsCpu;
    private readonly IDisposable? _release;

    public PreparedKernel(CrfKernel cpu, bool ownsCpu)
    {
        _cpu = new Lazy<CrfKernel>(cpu);
        _ownsCpu = ownsCpu;
        Dimension = cpu.Lattice.Dimension;
    }

    /// <param name="device">The device lattice.</param>
    /// <param name="buildCpu">Makes the CPU lattice if a CPU path asks for it.</param>
    /// <param name="ownsCpu">Whether disposing releases that CPU lattice (false for a cached one).</param>
    /// <param name="release">What disposing ends instead of disposing <paramref name="device"/>: the lease on a
    /// cached device lattice.</param>
    public PreparedKernel(DeviceLattice device, Func<CrfKernel> buildCpu, bool ownsCpu, IDisposable? release = null)
    {
        Device = device;
        _release = release ?? device;
        Dimension = device.Dimension;
        _ownsCpu = ownsCpu;
        _cpu = new Lazy<CrfKernel>(buildCpu, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The device-built lattice, or null when it was built on the CPU.</summary>
    public DeviceLattice? Device { get; }
    public int Dimension { get; }
    /// <summary>The CPU lattice, built on first use when the lattice lives on the device.</summary>
    public CrfKernel Cpu => _cpu.Value;
    /// <summary>Whether the CPU lattice exists (built, or asked for).</summary>
    public bool HasCpu => _cpu.IsValueCreated;
    public int VertexCount => Device?.VertexCount ?? Cpu.Lattice.VertexCount;

    public void Dispose()
    {
        _release?.Dispose();
        if (_ownsCpu && HasCpu) _cpu.Value.Release();
    }
}
