namespace WsssGpuRefine.Confusion;

/// <summary>What a predicted 255 (ignore) means when counting.</summary>
public enum PredictedIgnore
{
    /// <summary>chainercv's eval_sem_seg (IRN family): predicted 255 is counted as background.</summary>
    CountAsBackground,
    /// <summary>WSGCN and ICD metrics: pixels predicted 255 are left out.</summary>
    Skip,
}

/// <summary>Options of <see cref="ConfusionCounting"/>. Ground-truth 255 is never counted.</summary>
public sealed record ConfusionOptions
{
    public ConfusionOptions(int classes = 21, PredictedIgnore predictedIgnore = PredictedIgnore.CountAsBackground)
    {
        if (classes is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(classes), "classes must be in 1..255");
        Classes = classes;
        PredictedIgnore = predictedIgnore;
    }

    public int Classes { get; }
    public PredictedIgnore PredictedIgnore { get; }
}
