using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

internal sealed partial record MeanFieldBatch
{
    public CrfResult[] OnCpu(CpuBackend cpu) => RunCpu(cpu);

    /// <summary>The inferences, packed side by side where their label rows fit one vector (<see cref="MeanFieldCpu.RunAll"/>), each spread over <paramref name="host"/>'s threads.</summary>
    private CrfResult[] RunCpu(ComputeBackend host) =>
        MeanFieldCpu.RunAll(Unaries, Kernels, Image.Parameters.Iterations, Image.Parameters.UnsureBelow, host.ParallelOptions);
}
