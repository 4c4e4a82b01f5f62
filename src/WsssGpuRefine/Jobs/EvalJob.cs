using WsssGpuRefine.Backends;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Jobs;

/// <summary>What <c>wsss eval</c> scores: CAM dumps (with a background rule or a sweep) or label PNGs.</summary>
public sealed record EvalOptions
{
    /// <summary>
    /// The most thresholds one sweep takes (<c>0:1:0.001</c> is 1001). Each costs a K x K confusion matrix in the
    /// histogram, in memory and in the JSON report (<c>sweep_confusion</c>); finer sweeps are refused up front.
    /// </summary>
    public const int MaxSweepThresholds = 1001;

    /// <summary>Ground-truth label PNGs <c>ID.png</c> (VOC SegmentationClass(Aug): 0..20, 255 = ignore).</summary>
    public required string GroundTruthDirectory { get; init; }
    /// <summary>Image ids to score, in list order; must not be empty.</summary>
    public required IReadOnlyList<string> Ids { get; init; }
    /// <summary>CAM dumps <c>ID.npy</c>; exactly one of this and <see cref="LabelsDirectory"/>.</summary>
    public string? CamsDirectory { get; init; }
    /// <summary>Label PNGs <c>ID.png</c>.</summary>
    public string? LabelsDirectory { get; init; }
    /// <summary>Label classes K including background, 2..255 (21 for VOC).</summary>
    public int Classes { get; init; } = 21;
    /// <summary>Background rule for CAMs; ignored when <see cref="SweepThresholds"/> is set.</summary>
    public BackgroundRule? Rule { get; init; }
    /// <summary>Constant thresholds to sweep in one pass (CAMs only); the report gives each one's mIoU and picks the best.</summary>
    public IReadOnlyList<double>? SweepThresholds { get; init; }
    /// <summary>Which seed method's mIoU definition to report; it also decides how a predicted 255 is counted.</summary>
    public SegmentationMetric Metric { get; init; } = SegmentationMetric.Chainercv;
    /// <summary>A CAM format preset name (<c>--format</c>); null = auto-detect.</summary>
    public string? Format { get; init; }
    /// <summary>Image-level labels (<c>cls_labels.npy</c>) for format detection; null = classes present in the GT.</summary>
    public string? ClassLabelsFile { get; init; }
    /// <summary>With a VOC <c>Annotations/</c> folder as <see cref="ClassLabelsFile"/>: whether objects marked difficult count.</summary>
    public bool ClassLabelsCountDifficult { get; init; } = true;
    /// <summary>Skip and list bad items (<c>--keep-going</c>) instead of stopping at the first.</summary>
    public bool KeepGoing { get; init; }
    /// <summary>Images decoded and scored per batch; bounds memory (two batches in flight).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Deterministic slice of the list this run scores (scale-out; merge the reports with ReportMerge).</summary>
    public Shard Shard { get; init; } = Shard.Whole;
    /// <summary>The most array elements one CAM dump may materialise in all (<c>--max-dump-elements</c>; see <see cref="Io.Arrays.NpyReadLimits"/>).</summary>
    public long MaxDumpElements { get; init; } = Io.Arrays.NpyReadLimits.DefaultMaxElements;

    internal void Validate()
    {
        if (MaxDumpElements <= 0) throw new ArgumentOutOfRangeException(nameof(MaxDumpElements), MaxDumpElements, "the element limit must be positive");
        if ((CamsDirectory is null) == (LabelsDirectory is null))
            throw new ArgumentException("give exactly one of --cams and --labels");
        if (CamsDirectory is not null && Rule is null && SweepThresholds is null)
            throw new ArgumentException("CAM evaluation needs --threshold, --bg-power or --sweep");
        if (Classes is < 2 or > 255) throw new ArgumentException("--classes must be in 2..255");
        if (Ids.Count == 0) throw new ArgumentException("the list holds no image ids");
        if (SweepThresholds is { Count: > MaxSweepThresholds })
            throw new ArgumentException($"--sweep: {SweepThresholds.Count} thresholds; at most {MaxSweepThresholds} are swept at once");
    }
}

/// <summary>
/// <c>wsss eval</c> as a library call: streams the list through the backend and scores it with the metric.
/// </summary>
public static class EvalJob
{
    /// <summary>Scores the images of <paramref name="options"/> (its shard only, when sharded).</summary>
    /// <param name="backend">Where the counting runs; CPU and Vulkan give identical matrices.</param>
    /// <param name="options">What to score.</param>
    /// <param name="progress">Receives the number of items finished (scored or failed) after each batch.</param>
    /// <param name="info">Receives one-line notes, e.g. the detected CAM format.</param>
    /// <exception cref="ArgumentException">The options are inconsistent (both or neither of cams and labels, no rule for CAMs, classes outside 2..255, no ids).</exception>
    /// <exception cref="ItemFailedException">An item is bad and <see cref="EvalOptions.KeepGoing"/> is false.</exception>
    public static EvalReport Run(ComputeBackend backend, EvalOptions options, IProgress<int>? progress = null,
        Action<string>? info = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string list = EvalReport.ListHash(options.Ids);
        if (options.Shard.Count > 1) options = options with { Ids = options.Shard.Select(options.Ids) };
        if (options.LabelsDirectory is { } labels && RefineLedger.UnrecordedItems(labels, options.Ids) is { Unrecorded.Length: > 0 } unrecorded)
            info?.Invoke($"info: {labels}: {unrecorded.Unrecorded.Length} of {options.Ids.Count} listed label map(s) (e.g. {unrecorded.Unrecorded[0]}) " +
                         $"are not recorded as outputs of its recipe ({unrecorded.Summary}): an unfinished refine, or maps of another recipe; rerun that refine to complete them");
        var report = options.LabelsDirectory is not null
            ? EvaluateLabels(backend, options, progress)
            : EvaluateCams(backend, options, progress, info);
        return report with { Shard = options.Shard.ReportName, ListSha256 = list, Source = options.LabelsDirectory is not null ? "eval --labels" : "eval --cams" };
    }

    private static EvalReport EvaluateLabels(ComputeBackend backend, EvalOptions o, IProgress<int>? progress)
    {
        var confusionOptions = new ConfusionOptions(o.Classes, SegmentationMetrics.PredictedIgnoreFor(o.Metric));
        var total = new ConfusionMatrix(o.Classes);
        int images = 0;
        var stream = new BatchStream<LabelPair>(o.Ids, id =>
            {
                var gt = DatasetInputs.ReadGroundTruth(o.GroundTruthDirectory, id, o.Classes);
                string predictedFile = DatasetInputs.LabelPath(o.LabelsDirectory!, id);
                var predicted = DatasetInputs.ReadLabels(predictedFile);
                DatasetInputs.CheckLabelRange(predictedFile, predicted, o.Classes);
                DatasetInputs.CheckSameSize(predictedFile, predicted.Height, predicted.Width, gt);
                return new LabelPair(predicted, gt);
            },
            id => DatasetInputs.LabelPath(o.LabelsDirectory!, id), o.BatchSize, o.KeepGoing);
        stream.Run(batch =>
        {
            // Both label maps were range-checked when loaded, so a bad file is named and skipped there.
            var pairs = batch.Select(b => b.Value).ToArray();
            total.Add(ConfusionCounting.Count(backend, pairs, confusionOptions));
            images += pairs.Length;
        }, progress);
        return EvalReport.From(total, o.Metric, images, backend.Name, failures: stream.Failures);
    }

    private static EvalReport EvaluateCams(ComputeBackend backend, EvalOptions o, IProgress<int>? progress, Action<string>? info)
    {
        var classLabels = o.ClassLabelsFile is null ? null : DatasetInputs.ReadClassLabels(o.ClassLabelsFile, o.ClassLabelsCountDifficult);
        string? detectedFormat = null;
        var stream = new BatchStream<CamWithGroundTruth>(o.Ids, id =>
            {
                var gt = DatasetInputs.ReadGroundTruth(o.GroundTruthDirectory, id, o.Classes);
                string camFile = DatasetInputs.CamPath(o.CamsDirectory!, id);
                var present = DatasetInputs.PresentFor(id, classLabels, o.ClassLabelsFile, gt);
                var (cams, format) = DatasetInputs.ReadCams(camFile, o.Format, present, classLabels is not null, gt.Height, gt.Width, o.MaxDumpElements);
                DatasetInputs.CheckSameSize(camFile, cams.Height, cams.Width, gt);
                DatasetInputs.CheckClassIds(camFile, cams, o.Classes);
                if (Interlocked.CompareExchange(ref detectedFormat, format, null) is null)
                    info?.Invoke($"info: CAM format: {format}{(o.Format is null ? " (detected)" : "")}");
                return new CamWithGroundTruth(cams, gt);
            },
            id => DatasetInputs.CamPath(o.CamsDirectory!, id), o.BatchSize, o.KeepGoing);

        int images = 0;
        if (o.SweepThresholds is { } thresholds)
        {
            var sweep = new ThresholdSweep(thresholds, o.Classes);
            stream.Run(batch =>
            {
                sweep.Add(backend, batch.Select(b => b.Value).ToArray());
                images += batch.Count;
            }, progress);
            var points = new SweepPoint[thresholds.Count];
            var confusions = sweep.AllConfusions();
            ConfusionMatrix? best = null;
            int bestIndex = -1;
            for (int i = 0; i < thresholds.Count; i++)
            {
                var confusion = confusions[i];
                double miou = SegmentationMetrics.Compute(confusion, o.Metric).MeanIou;
                points[i] = new SweepPoint(thresholds[i], miou);
                // First best wins, as numpy's argmax over the curve does.
                if (best is null || miou > points[bestIndex].MeanIou)
                {
                    best = confusion;
                    bestIndex = i;
                }
            }
            return EvalReport.From(best!, o.Metric, images, backend.Name, threshold: thresholds[bestIndex], sweep: points,
                format: detectedFormat, failures: stream.Failures, sweepConfusions: confusions);
        }

        var rule = o.Rule!;
        var total = new ConfusionMatrix(o.Classes);
        var confusionOptions = new ConfusionOptions(o.Classes, SegmentationMetrics.PredictedIgnoreFor(o.Metric));
        stream.Run(batch =>
        {
            // One fused pass per chunk on the GPU: no label map goes to the host and back.
            total.Add(ThresholdConfusion.Count(backend, batch.Select(b => b.Value).ToArray(), rule, confusionOptions));
            images += batch.Count;
        }, progress);
        return EvalReport.From(total, o.Metric, images, backend.Name,
            threshold: (rule as BackgroundRule.Constant)?.Threshold,
            backgroundPower: (rule as BackgroundRule.Power)?.Alpha,
            format: detectedFormat, failures: stream.Failures);
    }
}
