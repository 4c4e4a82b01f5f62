namespace WsssGpuRefine.Confusion;

/// <summary>
/// K x K pixel counts, rows = ground truth, columns = prediction, as chainercv and every seed method lay it out.
/// </summary>
public sealed class ConfusionMatrix
{
    public ConfusionMatrix(int classes)
    {
        if (classes is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(classes), "classes must be in 1..255");
        Classes = classes;
        Counts = new long[classes * classes];
    }

    public ConfusionMatrix(int classes, long[] counts) : this(classes)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Length != classes * classes)
            throw new ArgumentException($"expected {classes * classes} counts, got {counts.Length}", nameof(counts));
        counts.CopyTo(Counts, 0);
    }

    public int Classes { get; }

    /// <summary>Row-major counts: [gt * Classes + prediction].</summary>
    public long[] Counts { get; }

    public long this[int gt, int predicted] => Counts[gt * Classes + predicted];

    public long Total => Counts.Sum();

    public void Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Classes != Classes)
            throw new ArgumentException($"cannot add a {other.Classes}-class matrix to a {Classes}-class one", nameof(other));
        for (int i = 0; i < Counts.Length; i++) Counts[i] += other.Counts[i];
    }

    public long[][] ToJagged()
    {
        var rows = new long[Classes][];
        for (int g = 0; g < Classes; g++) rows[g] = Counts.AsSpan(g * Classes, Classes).ToArray();
        return rows;
    }
}
