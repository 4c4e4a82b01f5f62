using WsssGpuRefine.Confusion;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Jobs;

/// <summary>
/// Sums the confusion matrices of shard reports into the report one run over the whole list would give: the
/// metric is recomputed from the summed matrix (averaging shard mIoUs would be wrong), and a sweep's best
/// threshold is chosen again from the summed per-threshold matrices.
/// </summary>
public static class ReportMerge
{
    /// <summary>Merges shard reports into one whole-list report.</summary>
    /// <param name="shards">Each report with the file it came from (named in errors).</param>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    /// <exception cref="WsssGpuRefine.Core.WsssInputException">The reports disagree on metric, classes, threshold or sweep thresholds, or a matrix is malformed.</exception>
    public static EvalReport Merge(IReadOnlyList<(string File, EvalReport Report)> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0) throw new ArgumentException("merge needs at least one report");
        var (firstFile, first) = shards[0];
        int k = first.Confusion.Length;
        if (!SegmentationMetrics.TryParse(first.Metric, out var metric))
            throw new Core.WsssInputException(firstFile, $"unknown metric '{first.Metric}'");
        var total = new ConfusionMatrix(k);
        ConfusionMatrix[]? sweep = first.Sweep is null ? null : first.Sweep.Select(_ => new ConfusionMatrix(k)).ToArray();
        int images = 0;
        var failures = new List<string>();
        foreach (var (file, report) in shards)
        {
            if (report.Metric != first.Metric)
                throw new Core.WsssInputException(file, $"metric '{report.Metric}' differs from '{first.Metric}' in {firstFile}");
            if (report.Confusion.Length != k)
                throw new Core.WsssInputException(file, $"has {report.Confusion.Length} classes, {firstFile} has {k}");
            if (!Nullable.Equals(report.Threshold, first.Threshold) && first.Sweep is null)
                throw new Core.WsssInputException(file, $"threshold {report.Threshold} differs from {first.Threshold} in {firstFile}");
            total.Add(FromJagged(file, report.Confusion, k));
            if (report.IgnoredPredictions is { } ignored)
            {
                if (ignored.Length != k) throw new Core.WsssInputException(file, $"ignored_predictions has {ignored.Length} entries, not {k}");
                for (int c = 0; c < k; c++) total.IgnoredPredictions[c] += ignored[c];
            }
            if (sweep is not null)
            {
                if (report.SweepConfusion is null || report.Sweep is null || report.SweepConfusion.Length != sweep.Length
                    || !report.Sweep.Select(p => p.Threshold).SequenceEqual(first.Sweep!.Select(p => p.Threshold)))
                    throw new Core.WsssInputException(file, "its sweep does not cover the same thresholds as " + firstFile);
                for (int t = 0; t < sweep.Length; t++) sweep[t].Add(FromJagged(file, report.SweepConfusion[t], k));
            }
            images += report.Images;
            failures.AddRange(report.Failures);
        }

        if (sweep is null)
            return EvalReport.From(total, metric, images, first.Backend, first.Threshold, first.BackgroundPower,
                format: first.Format) with { Failures = failures.ToArray() };

        var points = first.Sweep!.Select((p, t) => new SweepPoint(p.Threshold, SegmentationMetrics.Compute(sweep[t], metric).MeanIou)).ToArray();
        int best = 0;
        for (int t = 1; t < points.Length; t++) if (points[t].MeanIou > points[best].MeanIou) best = t;
        return EvalReport.From(sweep[best], metric, images, first.Backend, threshold: points[best].Threshold, sweep: points,
            format: first.Format, sweepConfusions: sweep) with { Failures = failures.ToArray() };
    }

    private static ConfusionMatrix FromJagged(string file, long[][] rows, int k)
    {
        if (rows.Length != k || rows.Any(r => r.Length != k))
            throw new Core.WsssInputException(file, $"confusion matrix is not {k}x{k}");
        return new ConfusionMatrix(k, rows.SelectMany(r => r).ToArray());
    }
}
