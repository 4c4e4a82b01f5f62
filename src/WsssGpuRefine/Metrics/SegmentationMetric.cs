using WsssGpuRefine.Confusion;

namespace WsssGpuRefine.Metrics;

/// <summary>The seed methods' mIoU definitions (jiwoon-ahn/irn step/eval_cam.py via chainercv, YudeWang/SEAM evaluation.py); each reads the same confusion matrix.</summary>
public enum SegmentationMetric
{
    /// <summary>IoU = diag/(row+col-diag); mean over classes whose denominator is non-zero (IRN family).</summary>
    Chainercv,
    /// <summary>
    /// IoU = TP/(T+P-TP+1e-10); mean over all classes (SEAM, CPN, Puzzle-CAM). A predicted 255 counts in T of its
    /// ground-truth class only (YudeWang/SEAM evaluation.py:37-48; OFRIN/PuzzleCAM evaluate.py:61-73).
    /// </summary>
    Seam,
    /// <summary>IoU as chainercv; mean over classes present in the ground truth (SC-CAM, VWE).</summary>
    GtPresent,
    /// <summary>chainercv's nanmean, with predicted 255 left out of the matrix (WSGCN).</summary>
    Wsgcn,
    /// <summary>IoU = diag/(row+col-diag+1e-10), mean over all classes, predicted 255 left out (ICD).</summary>
    Icd,
}

/// <summary>mIoU and per-class IoU (fractions; null where a class's IoU is undefined).</summary>
public sealed record MetricResult(SegmentationMetric Metric, double MeanIou, double?[] Iou);

/// <summary>Names, parsing and evaluation of the <see cref="SegmentationMetric"/> definitions.</summary>
public static class SegmentationMetrics
{
    /// <summary>Which predicted-255 handling the metric's reference code applies when counting.</summary>
    public static PredictedIgnore PredictedIgnoreFor(SegmentationMetric metric) =>
        metric switch
        {
            SegmentationMetric.Wsgcn or SegmentationMetric.Icd => PredictedIgnore.Skip,
            SegmentationMetric.Seam => PredictedIgnore.GroundTruthRowOnly,
            _ => PredictedIgnore.CountAsBackground,
        };

    /// <summary>The CLI and JSON name: "chainercv", "seam", "gt-present", "wsgcn" or "icd".</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined metric.</exception>
    public static string Name(SegmentationMetric metric) => metric switch
    {
        SegmentationMetric.Chainercv => "chainercv",
        SegmentationMetric.Seam => "seam",
        SegmentationMetric.GtPresent => "gt-present",
        SegmentationMetric.Wsgcn => "wsgcn",
        SegmentationMetric.Icd => "icd",
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>Parses a CLI/JSON name (case-insensitive); false when it names no metric.</summary>
    public static bool TryParse(string name, out SegmentationMetric metric)
    {
        foreach (var m in Enum.GetValues<SegmentationMetric>())
        {
            if (string.Equals(Name(m), name, StringComparison.OrdinalIgnoreCase))
            {
                metric = m;
                return true;
            }
        }
        metric = default;
        return false;
    }

    /// <summary>Per-class IoU and mIoU of a confusion matrix under one metric's definition.</summary>
    /// <returns>IoU as fractions (not percent); a class's IoU is null where the metric leaves it undefined (no pixels in row or column); MeanIou is NaN when no class counts.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The metric is not a defined value.</exception>
    public static MetricResult Compute(ConfusionMatrix confusion, SegmentationMetric metric)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        int k = confusion.Classes;
        var iou = new double?[k];
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < k; c++)
        {
            long tp = confusion[c, c];
            long row = confusion.IgnoredPredictions[c], col = 0;
            for (int j = 0; j < k; j++)
            {
                row += confusion[c, j];
                col += confusion[j, c];
            }
            long denominator = row + col - tp;
            double? value;
            bool include;
            switch (metric)
            {
                case SegmentationMetric.Chainercv:
                case SegmentationMetric.Wsgcn:
                    value = denominator == 0 ? null : (double)tp / denominator;
                    include = value.HasValue;
                    break;
                case SegmentationMetric.GtPresent:
                    value = denominator == 0 ? null : (double)tp / denominator;
                    include = row > 0;
                    break;
                case SegmentationMetric.Seam:
                case SegmentationMetric.Icd:
                    value = tp / (denominator + 1e-10);
                    include = true;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(metric));
            }
            iou[c] = value;
            if (include)
            {
                sum += value ?? 0;
                counted++;
            }
        }
        return new MetricResult(metric, counted == 0 ? double.NaN : sum / counted, iou);
    }
}
