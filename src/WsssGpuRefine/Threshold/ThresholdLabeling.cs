using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Threshold;

/// <summary>CAM -> label map by a background rule and argmax (spec 4.1 and 4.2).</summary>
public static partial class ThresholdLabeling
{
    /// <summary>Labels one image on the CPU. A stored background channel (variants B, E) is ignored.</summary>
    public static LabelMap Label(ClassMaps cams, BackgroundRule rule)
    {
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(rule);
        var fg = cams.ForegroundOnly();
        var output = new LabelMap(fg.Height, fg.Width);
        LabelCpu(fg, rule, output.Labels);
        return output;
    }

    /// <summary>Labels a batch on the given backend; results are identical on every backend.</summary>
    public static LabelMap[] Label(ComputeBackend backend, IReadOnlyList<ClassMaps> cams, BackgroundRule rule)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(rule);
        var foregrounds = cams.Select(c => c.ForegroundOnly()).ToArray();
        var outputs = foregrounds.Select(c => new LabelMap(c.Height, c.Width)).ToArray();
        if (!TryLabelOnGpu(backend, foregrounds, rule, outputs))
        {
            var options = backend is CpuBackend cpu ? cpu.ParallelOptions : new ParallelOptions();
            ParallelWork.Run(() => Parallel.For(0, foregrounds.Length, options, i => LabelCpu(foregrounds[i], rule, outputs[i].Labels)));
        }
        return outputs;
    }

    /// <summary>Filled in by the GPU side of this operation; returns false when the backend is not a GPU.</summary>
    static partial void LabelOnGpu(ComputeBackend backend, ClassMaps[] cams, BackgroundRule rule, LabelMap[] outputs, ref bool done);

    private static bool TryLabelOnGpu(ComputeBackend backend, ClassMaps[] cams, BackgroundRule rule, LabelMap[] outputs)
    {
        bool done = false;
        LabelOnGpu(backend, cams, rule, outputs, ref done);
        return done;
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
