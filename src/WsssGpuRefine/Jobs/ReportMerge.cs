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
    /// <param name="partial">
    /// Merge shard reports that do not cover every shard K/N of their list (a shard job that never finished); by default
    /// that is an error, since the result would not be the whole list's numbers.
    /// </param>
    /// <exception cref="ArgumentException">The list is empty, or (without <paramref name="partial"/>) shards of the list are missing.</exception>
    /// <exception cref="WsssGpuRefine.Core.WsssInputException">
    /// The reports disagree on metric, classes, threshold or sweep thresholds; a matrix is malformed, holds a negative count
    /// or sums past 2^63; a shard is given twice, or shards of different splits (K/N with another N) or a whole-list
    /// report are mixed.
    /// </exception>
    public static EvalReport Merge(IReadOnlyList<(string File, EvalReport Report)> shards, bool partial = false)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0) throw new ArgumentException("merge needs at least one report");
        CheckShards(shards, partial);
        foreach (var (file, report) in shards)
            if (report.Confusion is null || report.Confusion.Length == 0)
                throw new Core.WsssInputException(file, "holds no confusion matrix (not a wsss eval/refine --json report)");
        var (firstFile, first) = shards[0];
        int k = first.Confusion.Length;
        if (!SegmentationMetrics.TryParse(first.Metric, out var metric))
            throw new Core.WsssInputException(firstFile, $"unknown metric '{first.Metric}'");
        var total = new ConfusionMatrix(k);
        ConfusionMatrix[]? sweep = first.Sweep is null ? null : first.Sweep.Select(_ => new ConfusionMatrix(k)).ToArray();
        int images = 0;
        var failures = new List<string>();
        // Shards of one run: one list, one source of labels, one CAM layout. Each is compared with the first report that
        // names it (a report of an older build names neither list nor source).
        var (listFile, list) = FirstNaming(shards, r => r.ListSha256);
        var (sourceFile, source) = FirstNaming(shards, r => r.Source);
        var (formatFile, format) = FirstNaming(shards, r => r.Format);
        foreach (var (file, report) in shards)
        {
            if (report.ListSha256 is { } mine && mine != list)
                throw new Core.WsssInputException(file, $"is a shard of another list than {listFile}'s (list_sha256 {mine}, not {list})");
            if (report.Source is { } made && made != source)
                throw new Core.WsssInputException(file, $"scores labels made another way ({made}) than {sourceFile}'s ({source})");
            if (report.Format is { } layout && layout != format)
                throw new Core.WsssInputException(file, $"scored CAMs of layout {layout}, {formatFile} of {format}");
            if (report.Metric != first.Metric)
                throw new Core.WsssInputException(file, $"metric '{report.Metric}' differs from '{first.Metric}' in {firstFile}");
            if (report.Confusion.Length != k)
                throw new Core.WsssInputException(file, $"has {report.Confusion.Length} classes, {firstFile} has {k}");
            if ((report.Sweep is null) != (first.Sweep is null))
                throw new Core.WsssInputException(file, $"{(report.Sweep is null ? "is not" : "is")} a sweep, {firstFile} {(first.Sweep is null ? "is not" : "is")}");
            if (!Nullable.Equals(report.Threshold, first.Threshold) && first.Sweep is null)
                throw new Core.WsssInputException(file, $"threshold {report.Threshold} differs from {first.Threshold} in {firstFile}");
            if (!Nullable.Equals(report.BackgroundPower, first.BackgroundPower))
                throw new Core.WsssInputException(file, $"background power {report.BackgroundPower?.ToString() ?? "none"} differs from {first.BackgroundPower?.ToString() ?? "none"} in {firstFile}");
            AddCounts(file, total.Counts, FromJagged(file, report.Confusion, k).Counts, "confusion matrix");
            if (report.IgnoredPredictions is { } ignored)
            {
                if (ignored.Length != k) throw new Core.WsssInputException(file, $"ignored_predictions has {ignored.Length} entries, not {k}");
                AddCounts(file, total.IgnoredPredictions, ignored, "ignored_predictions");
            }
            if (sweep is not null)
            {
                if (report.SweepConfusion is null || report.Sweep is null || report.SweepConfusion.Length != sweep.Length
                    || !report.Sweep.Select(p => p.Threshold).SequenceEqual(first.Sweep!.Select(p => p.Threshold)))
                    throw new Core.WsssInputException(file, "its sweep does not cover the same thresholds as " + firstFile);
                for (int t = 0; t < sweep.Length; t++) AddCounts(file, sweep[t].Counts, FromJagged(file, report.SweepConfusion[t], k).Counts, "sweep confusion matrix");
            }
            if (report.Images < 0) throw new Core.WsssInputException(file, $"a negative image count ({report.Images})");
            images = checked(images + report.Images);
            failures.AddRange(report.Failures);
        }

        if (sweep is null)
            return EvalReport.From(total, metric, images, first.Backend, first.Threshold, first.BackgroundPower,
                format: first.Format) with { Failures = failures.ToArray(), ListSha256 = list, Source = source };

        var points = first.Sweep!.Select((p, t) => new SweepPoint(p.Threshold, SegmentationMetrics.Compute(sweep[t], metric).MeanIou)).ToArray();
        int best = 0;
        for (int t = 1; t < points.Length; t++) if (points[t].MeanIou > points[best].MeanIou) best = t;
        return EvalReport.From(sweep[best], metric, images, first.Backend, threshold: points[best].Threshold, sweep: points,
            format: first.Format, sweepConfusions: sweep) with { Failures = failures.ToArray(), ListSha256 = list, Source = source };
    }

    /// <summary>The first report that gives <paramref name="field"/>, and its value (nulls when none does).</summary>
    private static (string? File, string? Value) FirstNaming(IReadOnlyList<(string File, EvalReport Report)> reports, Func<EvalReport, string?> field)
    {
        foreach (var (file, report) in reports)
            if (field(report) is { } value) return (file, value);
        return (null, null);
    }

    /// <summary>total += counts, refusing a negative count or a sum past 2^63 (a report edited or corrupted by hand).</summary>
    private static void AddCounts(string file, long[] total, long[] counts, string what)
    {
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] < 0) throw new Core.WsssInputException(file, $"its {what} holds a negative count ({counts[i]})");
            long sum = unchecked(total[i] + counts[i]);
            if (sum < total[i]) throw new Core.WsssInputException(file, $"its {what} counts sum past 2^63 with the other reports'");
            total[i] = sum;
        }
    }

    /// <summary>
    /// The reports' shards (<see cref="EvalReport.Shard"/>, "K/N") must be one split of one list: no shard twice, one N,
    /// no whole-list report among shard reports, and every K of 0..N-1 present unless <paramref name="partial"/>.
    /// Reports that name no shard (whole-list runs, or merged reports) are not checked against each other.
    /// </summary>
    private static void CheckShards(IReadOnlyList<(string File, EvalReport Report)> reports, bool partial)
    {
        var seen = new Dictionary<int, string>();
        int? count = null;
        string? countFile = null, wholeFile = null;
        foreach (var (file, report) in reports)
        {
            if (report.Shard is null)
            {
                wholeFile ??= file;
                continue;
            }
            Shard shard;
            try { shard = Shard.Parse(report.Shard); }
            catch (ArgumentException) { throw new Core.WsssInputException(file, $"its shard '{report.Shard}' is not K/N"); }
            if (count is { } n && n != shard.Count)
                throw new Core.WsssInputException(file, $"shard {shard} is of another split than {countFile}'s shards of {n}");
            count = shard.Count;
            countFile ??= file;
            if (!seen.TryAdd(shard.Index, file))
                throw new Core.WsssInputException(file, $"shard {shard} is also in {seen[shard.Index]}");
        }
        if (count is null) return;
        if (wholeFile is not null)
            throw new Core.WsssInputException(wholeFile, $"a report of no shard cannot merge with shard reports (K/{count})");
        var missing = Enumerable.Range(0, count.Value).Where(kk => !seen.ContainsKey(kk)).ToArray();
        if (missing.Length > 0 && !partial)
            throw new ArgumentException($"shard(s) {string.Join(", ", missing.Take(8).Select(kk => $"{kk}/{count}"))}{(missing.Length > 8 ? ", ..." : "")} " +
                                        $"missing: the merged numbers would not be the whole list's (give every shard's report, or --partial)");
    }

    private static ConfusionMatrix FromJagged(string file, long[][] rows, int k)
    {
        if (rows.Length != k || rows.Any(r => r.Length != k))
            throw new Core.WsssInputException(file, $"confusion matrix is not {k}x{k}");
        return new ConfusionMatrix(k, rows.SelectMany(r => r).ToArray());
    }
}
