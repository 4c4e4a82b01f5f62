using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

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

    internal static void LabelCpu(ClassMaps fg, BackgroundRule rule, Span<byte> labels)
    {
        int n = fg.PixelCount;
        int[] ids = fg.LabelIds;
        Span<float> max = stackalloc float[MaxArgmaxRows.ChunkPixels];
        Span<int> arg = stackalloc int[MaxArgmaxRows.ChunkPixels];
        for (int start = 0; start < n; start += MaxArgmaxRows.ChunkPixels)
        {
            int len = MaxArgmaxRows.ChunkLength(n, start);
            Span<float> m = max[..len];
            Span<int> a = arg[..len];
            MaxArgmaxRows.Compute(fg.Data, fg.Channels, n, start, m, a);
            Span<byte> outRow = labels.Slice(start, len);
            switch (rule)
            {
                case BackgroundRule.Constant constant:
                    float t = constant.Threshold32;
                    for (int i = 0; i < len; i++)
                        outRow[i] = m[i] > t ? (byte)ids[a[i]] : (byte)0;
                    break;
                case BackgroundRule.Power power:
                    for (int i = 0; i < len; i++)
                    {
                        // argmax over [bg; M]: ties go to the background channel, which comes first.
                        float bg = fg.Channels == 0 ? 1f : power.Evaluate(m[i]);
                        outRow[i] = m[i] > bg ? (byte)ids[a[i]] : (byte)0;
                    }
                    break;
                default:
                    throw new ArgumentException($"unknown background rule {rule}", nameof(rule));
            }
        }
    }
}
