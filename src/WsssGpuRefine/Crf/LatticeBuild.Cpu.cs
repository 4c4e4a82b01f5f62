using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

internal sealed partial record LatticeBuild
{
    /// <summary>PermutohedralLattice.Build and the CrfKernel normalisation on the backend's threads.</summary>
    public PreparedKernel OnCpu(CpuBackend cpu) => new(BuildCpu(cpu.ParallelOptions), ownsCpu: !SharedCpu);
}
