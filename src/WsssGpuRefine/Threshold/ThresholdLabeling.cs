using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Threshold;

/// <summary>CAM -> label map by a background rule and argmax (<see cref="ScoreLabels"/>), batched on a backend.</summary>
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

    internal static void LabelCpu(ClassMaps fg, BackgroundRule rule, Span<byte> labels) =>
        ScoreLabels.LabelInto(fg, rule, labels, indices: false);
}
