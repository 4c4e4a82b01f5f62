using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Threshold;

/// <summary>
/// CAM -> label map by a background rule and argmax (IRN's constant threshold, PSA's power background). The CPU
/// side is in ThresholdLabeling.Cpu.cs, the GPU side in ThresholdLabeling.Vulkan.cs.
/// </summary>
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
        return backend.Run(new LabelBatch(foregrounds, rule, outputs));
    }

    /// <summary>One batch call: foreground-only maps, the rule, and one output per map (same size).</summary>
    private sealed partial record LabelBatch(ClassMaps[] Cams, BackgroundRule Rule, LabelMap[] Outputs) : IBackendOperation<LabelMap[]>;
}
