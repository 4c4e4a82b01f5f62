using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

internal sealed partial record MeanFieldBatch
{
    public CrfResult[] OnCpu(CpuBackend cpu) => RunCpu(cpu);

    /// <summary>
    /// The inferences one after another, each spread over <paramref name="host"/>'s threads (the CPU
    /// lattices are built here first if the image's lattices live on the device).
    /// </summary>
    private CrfResult[] RunCpu(ComputeBackend host)
    {
        var parameters = Image.Parameters;
        var kernels = Kernels.Select(k => (k.Kernel.Cpu, k.Compat)).ToArray();
        var results = new CrfResult[Unaries.Count];
        for (int i = 0; i < results.Length; i++)
            results[i] = MeanFieldCpu.Run(Unaries[i], kernels, parameters.Iterations, parameters.UnsureBelow, host.ParallelOptions);
        return results;
    }
}
