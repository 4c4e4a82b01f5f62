using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Confusion;

/// <summary>
/// CAMs labelled by a background rule and counted against their ground truth in one step: the matrix
/// <see cref="ThresholdLabeling.Label(ComputeBackend, IReadOnlyList{ClassMaps}, BackgroundRule)"/> followed by
/// <see cref="ConfusionCounting.Count(ComputeBackend, IReadOnlyList{LabelPair}, ConfusionOptions)"/> gives, without
/// keeping the labels. On the GPU a constant threshold is one fused pass from CAM to confusion matrix
/// (shaders/threshold_confusion.hlsl): no label map goes to the host and back. CPU side in ThresholdConfusion.Cpu.cs,
/// GPU side in ThresholdConfusion.Vulkan.cs.
/// </summary>
public static partial class ThresholdConfusion
{
    /// <summary>Labels and counts a batch on the given backend; the matrix is identical on every backend.</summary>
    /// <param name="backend">Where the work runs.</param>
    /// <param name="items">CAMs (a stored background channel is ignored) with same-size ground truth.</param>
    /// <param name="rule">The background rule (constant threshold or power background).</param>
    /// <param name="options">Classes K and what a predicted 255 means.</param>
    /// <exception cref="WsssInputException">A CAM and its ground truth differ in size, or a label is outside 0..K-1 and is not 255.</exception>
    public static ConfusionMatrix Count(ComputeBackend backend, IReadOnlyList<CamWithGroundTruth> items, BackgroundRule rule, ConfusionOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item.Cams, nameof(items));
            ArgumentNullException.ThrowIfNull(item.GroundTruth, nameof(items));
            if (item.Cams.Height != item.GroundTruth.Height || item.Cams.Width != item.GroundTruth.Width)
                throw new WsssInputException(null,
                    $"prediction is {item.Cams.Width}x{item.Cams.Height} but ground truth is {item.GroundTruth.Width}x{item.GroundTruth.Height}");
        }
        return backend.Run(new CountBatch(items, rule, options));
    }

    /// <summary>One batch call of <see cref="Count"/>.</summary>
    private sealed partial record CountBatch(IReadOnlyList<CamWithGroundTruth> Items, BackgroundRule Rule, ConfusionOptions Options)
        : IBackendOperation<ConfusionMatrix>;
}
