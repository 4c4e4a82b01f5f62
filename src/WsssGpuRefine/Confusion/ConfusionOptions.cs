namespace WsssGpuRefine.Confusion;

/// <summary>What a predicted 255 (ignore) means when counting.</summary>
public enum PredictedIgnore
{
    /// <summary>chainercv's eval_sem_seg (IRN family): predicted 255 is counted as background.</summary>
    CountAsBackground,
    /// <summary>WSGCN and ICD metrics: pixels predicted 255 are left out.</summary>
    Skip,
    /// <summary>
    /// SEAM metric: a predicted 255 adds to its ground-truth row's total T only, to no prediction column
    /// (YudeWang/SEAM evaluation.py:37-48); kept in <see cref="ConfusionMatrix.IgnoredPredictions"/>.
    /// </summary>
    GroundTruthRowOnly,
}

/// <summary>Options of <see cref="ConfusionCounting"/>. Ground-truth 255 is never counted.</summary>
public sealed record ConfusionOptions
{
    /// <summary>Counting options.</summary>
    /// <param name="classes">K, 1..255 (21 for VOC); a label at or above K that is not 255 makes counting throw WsssInputException.</param>
    /// <param name="predictedIgnore">What a predicted 255 means; follow the metric (<see cref="Metrics.SegmentationMetrics.PredictedIgnoreFor"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">Classes is outside 1..255.</exception>
    public ConfusionOptions(int classes = 21, PredictedIgnore predictedIgnore = PredictedIgnore.CountAsBackground)
    {
        if (classes is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(classes), "classes must be in 1..255");
        Classes = classes;
        PredictedIgnore = predictedIgnore;
    }

    /// <summary>K, the number of label classes (21 for VOC).</summary>
    public int Classes { get; }
    /// <summary>What a predicted 255 means (background for chainercv-style metrics, skipped for WSGCN and ICD).</summary>
    public PredictedIgnore PredictedIgnore { get; }
}
