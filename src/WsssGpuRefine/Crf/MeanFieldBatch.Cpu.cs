using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

internal sealed partial record MeanFieldBatch
{
    public CrfResult[] OnCpu(CpuBackend cpu) => RunCpu(cpu);

    /// <summary>The inferences one after another, each spread over <paramref name="host"/>'s threads.</summary>
    private CrfResult[] RunCpu(ComputeBackend host)
    {
        var parameters = Image.Parameters;
        var results = new CrfResult[Unaries.Count];
        for (int i = 0; i < results.Length; i++)
            results[i] = MeanFieldCpu.Run(Unaries[i], Kernels, parameters.Iterations, parameters.UnsureBelow, host.ParallelOptions);
        return results;
    }
}
