using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

internal sealed partial record MeanFieldBatch
{
    public CrfResult[] OnCpu(CpuBackend cpu) => RunCpu(cpu);

    /// <summary>
    /// The inferences, packed side by side where their label rows fit one vector (<see cref="MeanFieldCpu.RunAll"/>),
    /// each spread over <paramref name="host"/>'s threads (the CPU lattices are built here first if the image's
    /// lattices live on the device).
    /// </summary>
    private CrfResult[] RunCpu(ComputeBackend host) =>
        MeanFieldCpu.RunAll(Unaries, Kernels.Select(k => (k.Kernel.Cpu, k.Compat)).ToArray(), Image.Parameters.Iterations,
            Image.Parameters.UnsureBelow, host.ParallelOptions);
}
