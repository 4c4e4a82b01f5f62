using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Confusion;

/// <summary>A prediction and its ground truth, same size.</summary>
public readonly record struct LabelPair(LabelMap Predicted, LabelMap GroundTruth);

/// <summary>Confusion-matrix accumulation over label pairs, chainercv's <c>calc_semantic_segmentation_confusion</c> (chainercv chainercv/evaluations/eval_semantic_segmentation.py).</summary>
public static partial class ConfusionCounting
{
    /// <summary>Counts one pair on the CPU.</summary>
    public static ConfusionMatrix Count(LabelMap predicted, LabelMap groundTruth, ConfusionOptions options)
    {
        var result = new ConfusionMatrix(options.Classes);
        var histogram = new int[PairHistogram.Size];
        CountCpu(new LabelPair(predicted, groundTruth), options, histogram, result);
        return result;
    }

    /// <summary>Counts a batch on the given backend; the matrix is identical on every backend.</summary>
    public static ConfusionMatrix Count(ComputeBackend backend, IReadOnlyList<LabelPair> pairs, ConfusionOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var pair in pairs) CheckSameSize(pair);
        return backend.Run(new CountBatch(pairs, options));
    }

    /// <summary>One batch of same-size pairs; CPU side in ConfusionCounting.Cpu.cs, GPU side in ConfusionCounting.Vulkan.cs.</summary>
    private sealed partial record CountBatch(IReadOnlyList<LabelPair> Pairs, ConfusionOptions Options) : IBackendOperation<ConfusionMatrix>;

    internal static void CheckSameSize(LabelPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair.Predicted);
        ArgumentNullException.ThrowIfNull(pair.GroundTruth);
        if (pair.Predicted.Height != pair.GroundTruth.Height || pair.Predicted.Width != pair.GroundTruth.Width)
            throw new WsssInputException(null,
                $"prediction is {pair.Predicted.Width}x{pair.Predicted.Height} but ground truth is {pair.GroundTruth.Width}x{pair.GroundTruth.Height}");
    }
}
