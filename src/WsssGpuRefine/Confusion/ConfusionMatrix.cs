namespace WsssGpuRefine.Confusion;

/// <summary>
/// K x K pixel counts, rows = ground truth, columns = prediction, as chainercv and every seed method lay it out.
/// </summary>
public sealed class ConfusionMatrix
{
    /// <summary>An all-zero K x K matrix.</summary>
    /// <param name="classes">K, 1..255 (21 for VOC: background + 20 classes).</param>
    /// <exception cref="ArgumentOutOfRangeException">Classes is outside 1..255.</exception>
    public ConfusionMatrix(int classes)
    {
        if (classes is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(classes), "classes must be in 1..255");
        Classes = classes;
        Counts = new long[classes * classes];
        IgnoredPredictions = new long[classes];
    }

    /// <summary>A K x K matrix holding a copy of <paramref name="counts"/>.</summary>
    /// <param name="classes">K, 1..255.</param>
    /// <param name="counts">K*K row-major counts, [gt * K + prediction]; copied.</param>
    /// <exception cref="ArgumentException">The count array is not K*K long.</exception>
    public ConfusionMatrix(int classes, long[] counts) : this(classes)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Length != classes * classes)
            throw new ArgumentException($"expected {classes * classes} counts, got {counts.Length}", nameof(counts));
        counts.CopyTo(Counts, 0);
    }

    /// <summary>K, the number of label classes (rows and columns).</summary>
    public int Classes { get; }

    /// <summary>Row-major counts: [gt * Classes + prediction].</summary>
    public long[] Counts { get; }

    /// <summary>
    /// Per ground-truth class, pixels predicted 255 that were kept out of the matrix but belong to the row's total
    /// (only counted under <see cref="PredictedIgnore.GroundTruthRowOnly"/>, the SEAM metric's rule; zero otherwise).
    /// </summary>
    public long[] IgnoredPredictions { get; }

    /// <summary>Pixels whose ground truth is <paramref name="gt"/> and prediction <paramref name="predicted"/> (both 0..K-1).</summary>
    public long this[int gt, int predicted] => Counts[gt * Classes + predicted];

    /// <summary>Pixels counted, over all cells (ground-truth 255 pixels are never among them).</summary>
    public long Total => Counts.Sum();

    /// <summary>Adds another matrix's counts to this one, cell by cell (merging images, batches or shards).</summary>
    /// <exception cref="ArgumentException">The other matrix has a different K.</exception>
    public void Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Classes != Classes)
            throw new ArgumentException($"cannot add a {other.Classes}-class matrix to a {Classes}-class one", nameof(other));
        for (int i = 0; i < Counts.Length; i++) Counts[i] += other.Counts[i];
        for (int i = 0; i < IgnoredPredictions.Length; i++) IgnoredPredictions[i] += other.IgnoredPredictions[i];
    }

    /// <summary>A copy as K rows of K counts (rows = ground truth), the form JSON reports store.</summary>
    public long[][] ToJagged()
    {
        var rows = new long[Classes][];
        for (int g = 0; g < Classes; g++) rows[g] = Counts.AsSpan(g * Classes, Classes).ToArray();
        return rows;
    }
}
