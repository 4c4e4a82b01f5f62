using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Confusion;

public static partial class ThresholdConfusion
{
    private sealed partial record CountBatch
    {
        /// <summary>Per image on one thread: the labels (<see cref="ThresholdLabeling"/>'s CPU code), counted at once and dropped.</summary>
        public ConfusionMatrix OnCpu(CpuBackend cpu) =>
            ConfusionCounting.CountCpu(Items.Count, i =>
            {
                var fg = Items[i].Cams.ForegroundOnly();
                var labels = new LabelMap(fg.Height, fg.Width);
                ThresholdLabeling.LabelCpu(fg, Rule, labels.Labels);
                return new LabelPair(labels, Items[i].GroundTruth);
            }, Options, cpu.ParallelOptions);
    }
}
