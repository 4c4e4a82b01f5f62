using WsssGpuRefine.Backends;

namespace WsssGpuRefine.RandomWalk;

internal sealed partial record StencilWalk
{
    public bool OnCpu(CpuBackend cpu)
    {
        PropagateCpu(cpu);
        return true;
    }

    /// <summary>The vectorised, threaded walk, on the host threads of <paramref name="host"/>.</summary>
    private void PropagateCpu(ComputeBackend host)
    {
        var transition = StencilTransition.Build(Stencil, Options.Beta, System.Numerics.Vector<float>.Count);
        RandomWalkCpu.Propagate(transition, Values, Channels, Options.Steps, host, Options.DoubleAccumulation);
    }
}
