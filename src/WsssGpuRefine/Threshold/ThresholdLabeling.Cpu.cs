using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Threshold;

public static partial class ThresholdLabeling
{
    private sealed partial record LabelBatch
    {
        public LabelMap[] OnCpu(CpuBackend cpu)
        {
            ParallelWork.Run(() => Parallel.For(0, Cams.Length, cpu.ParallelOptions, i => LabelCpu(Cams[i], Rule, Outputs[i].Labels)));
            return Outputs;
        }
    }

    internal static void LabelCpu(ClassMaps fg, BackgroundRule rule, Span<byte> labels) =>
        ScoreLabels.LabelInto(fg, rule, labels, indices: false);
}
