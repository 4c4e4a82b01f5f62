namespace WsssGpuRefine.Jobs;

/// <summary>
/// How far a <see cref="BatchStream{T}"/> run hid decoding behind computing. <see cref="DecodeSeconds"/> is the wall
/// time spent decoding batches (the producer's parallel loads, summed over batches), <see cref="ComputeSeconds"/> the
/// wall time spent in the per-batch work (summed over batches), <see cref="WallSeconds"/> the whole run. Run one after
/// the other, the two phases take decode + compute; perfectly overlapped, the longer of the two.
/// </summary>
/// <param name="DecodeSeconds">Wall seconds spent decoding batches, summed over batches.</param>
/// <param name="ComputeSeconds">Wall seconds spent processing batches, summed over batches.</param>
/// <param name="WallSeconds">Wall seconds of the whole run, first decode to last batch processed.</param>
/// <param name="Batches">Batches decoded.</param>
public readonly record struct StreamOverlap(double DecodeSeconds, double ComputeSeconds, double WallSeconds, int Batches)
{
    /// <summary>
    /// The share of the shorter phase hidden behind the longer: (decode + compute − wall) / min(decode, compute),
    /// clamped to 0..1. 0: the phases ran one after the other (always so with a single batch, which has nothing to
    /// overlap with); 1: the shorter phase was hidden entirely. See <see cref="Of"/>.
    /// </summary>
    public double Overlap => Of(DecodeSeconds, ComputeSeconds, WallSeconds);

    /// <summary>
    /// (decode + compute − wall) / min(decode, compute), clamped to 0..1; 0 when either phase took no time. The
    /// clamp absorbs scheduling noise: a wall slightly above decode + compute (hand-over between threads) reads
    /// as 0, not negative.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative or not finite.</exception>
    public static double Of(double decodeSeconds, double computeSeconds, double wallSeconds)
    {
        foreach (double v in (ReadOnlySpan<double>)[decodeSeconds, computeSeconds, wallSeconds])
            if (!double.IsFinite(v) || v < 0) throw new ArgumentOutOfRangeException(nameof(decodeSeconds), v, "times must be finite and non-negative");
        double shorter = Math.Min(decodeSeconds, computeSeconds);
        if (shorter <= 0) return 0;
        return Math.Clamp((decodeSeconds + computeSeconds - wallSeconds) / shorter, 0, 1);
    }

    /// <summary>Two runs' figures added up (e.g. the timed repetitions of a benchmark); the overlap is then of the sums.</summary>
    public static StreamOverlap operator +(StreamOverlap a, StreamOverlap b) =>
        new(a.DecodeSeconds + b.DecodeSeconds, a.ComputeSeconds + b.ComputeSeconds, a.WallSeconds + b.WallSeconds, a.Batches + b.Batches);
}
