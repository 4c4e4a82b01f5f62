using System.Text.Json.Serialization;
using WsssGpuRefine.Confusion;

namespace WsssGpuRefine.Metrics;

/// <summary>One threshold of Puzzle-CAM's over/under report: its mIoU (percent) and FP ratio.</summary>
/// <param name="Threshold">The background threshold.</param>
/// <param name="MeanIou">Puzzle-CAM's mIoU in percent: mean over all classes of TP/(T + P − TP + 1e-10), times 100.</param>
/// <param name="FalsePositive">Mean over the foreground classes of (P − TP)/(T + P − TP + 1e-10).</param>
public sealed record ActivationPoint(
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("miou")] double MeanIou,
    [property: JsonPropertyName("fp")] double FalsePositive);

/// <summary>
/// Puzzle-CAM's over/under-activation report of a threshold sweep (OFRIN/PuzzleCAM evaluate.py:139-184, its
/// <c>--mode rw</c>): the best threshold by mIoU, and the thresholds whose FP ratio is closest to 1.60× (over) and
/// 0.60× (under) the best one's. Every figure is taken from the sweep's confusion matrices (rows ground truth).
/// </summary>
/// <param name="Best">The first threshold with the largest mIoU.</param>
/// <param name="Over">The first threshold whose FP is closest to 1.60 × the best's.</param>
/// <param name="Under">The first threshold whose FP is closest to 0.60 × the best's.</param>
public sealed record ActivationBalance(
    [property: JsonPropertyName("best")] ActivationPoint Best,
    [property: JsonPropertyName("over")] ActivationPoint Over,
    [property: JsonPropertyName("under")] ActivationPoint Under)
{
    /// <summary>evaluate.py:142: the over-activation factor.</summary>
    public const double OverFactor = 1.60;
    /// <summary>evaluate.py:143: the under-activation factor.</summary>
    public const double UnderFactor = 0.60;

    /// <summary>The report of a sweep.</summary>
    /// <param name="thresholds">The swept thresholds, in order.</param>
    /// <param name="confusions">Each threshold's confusion matrix (class 0 = background).</param>
    /// <exception cref="ArgumentException">No threshold, or the two lists differ in length.</exception>
    public static ActivationBalance From(IReadOnlyList<double> thresholds, IReadOnlyList<ConfusionMatrix> confusions)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(confusions);
        if (thresholds.Count == 0 || thresholds.Count != confusions.Count)
            throw new ArgumentException("one confusion matrix per swept threshold is needed");
        var points = thresholds.Select((t, i) => Point(t, confusions[i])).ToArray();
        int best = 0;
        for (int i = 1; i < points.Length; i++)
            if (points[i].MeanIou > points[best].MeanIou) best = i;
        return new ActivationBalance(points[best],
            Closest(points, points[best].FalsePositive * OverFactor),
            Closest(points, points[best].FalsePositive * UnderFactor));
    }

    private static ActivationPoint Closest(ActivationPoint[] points, double target)
    {
        int index = 0;
        for (int i = 1; i < points.Length; i++)
            if (Math.Abs(points[i].FalsePositive - target) < Math.Abs(points[index].FalsePositive - target)) index = i;
        return points[index];
    }

    /// <summary>evaluate.py:96-116 on one matrix: P = column sums, T = row sums, TP = diagonal.</summary>
    internal static ActivationPoint Point(double threshold, ConfusionMatrix confusion)
    {
        int k = confusion.Classes;
        double iouSum = 0, fpSum = 0;
        for (int c = 0; c < k; c++)
        {
            long tp = confusion[c, c], t = 0, p = 0;
            for (int o = 0; o < k; o++)
            {
                t += confusion[c, o];
                p += confusion[o, c];
            }
            double union = t + p - tp + 1e-10;
            iouSum += tp / union;
            if (c > 0) fpSum += (p - tp) / union;
        }
        return new ActivationPoint(threshold, iouSum / k * 100, k > 1 ? fpSum / (k - 1) : 0);
    }
}
