using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Confusion;

public static partial class ConfusionCounting
{
    private sealed partial record CountBatch
    {
        public ConfusionMatrix OnCpu(CpuBackend cpu) => CountCpu(Pairs.Count, i => Pairs[i], Options, cpu.ParallelOptions);
    }

    /// <summary>
    /// Counts <paramref name="count"/> same-size pairs, made on demand by <paramref name="pairAt"/> (so labels computed
    /// for counting are dropped as soon as they are counted), with one histogram per thread, merged at the end.
    /// </summary>
    internal static ConfusionMatrix CountCpu(int count, Func<int, LabelPair> pairAt, ConfusionOptions options, ParallelOptions parallel)
    {
        var total = new ConfusionMatrix(options.Classes);
        ParallelWork.Run(() => Parallel.For(0, count, parallel,
            () => (Histogram: new int[PairHistogram.Size], Partial: new ConfusionMatrix(options.Classes)),
            (i, _, local) =>
            {
                CountCpu(pairAt(i), options, local.Histogram, local.Partial);
                return local;
            },
            local =>
            {
                lock (total) total.Add(local.Partial);
            }));
        return total;
    }

    /// <param name="histogram">a zeroed 256x256 scratch table; left zeroed on return</param>
    internal static void CountCpu(LabelPair pair, ConfusionOptions options, int[] histogram, ConfusionMatrix into)
    {
        CheckSameSize(pair);
        PairHistogram.Accumulate(pair.GroundTruth.Labels, pair.Predicted.Labels, histogram);
        PairHistogram.FoldInto(histogram, options, into);
    }
}

/// <summary>
/// A 256x256 table indexed by (gt &lt;&lt; 8 | prediction): counting needs no branch and no range check, and
/// label maps are piecewise constant, so whole runs of one (gt, prediction) pair are counted at once.
/// </summary>
internal static class PairHistogram
{
    public const int Size = 256 * 256;

    public static void Accumulate(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> predicted, int[] histogram)
    {
        int n = gt.Length;
        if (n == 0) return;
        // Count runs of one (gt, prediction) pair: vector compares against the previous pixel find where runs
        // break, so a smooth pair of maps costs a few operations per 32 pixels rather than one per pixel.
        int runStart = 0;
        int runKey = (gt[0] << 8) | predicted[0];
        int i = 1;
        if (Vector256.IsHardwareAccelerated)
        {
            ref byte g0 = ref MemoryMarshal.GetReference(gt);
            ref byte p0 = ref MemoryMarshal.GetReference(predicted);
            for (; i <= n - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var breaks = ~(Vector256.Equals(Vector256.LoadUnsafe(ref g0, (nuint)i), Vector256.LoadUnsafe(ref g0, (nuint)(i - 1)))
                             & Vector256.Equals(Vector256.LoadUnsafe(ref p0, (nuint)i), Vector256.LoadUnsafe(ref p0, (nuint)(i - 1))));
                uint mask = breaks.ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int at = i + BitOperations.TrailingZeroCount(mask);
                    histogram[runKey] += at - runStart;
                    runStart = at;
                    runKey = (gt[at] << 8) | predicted[at];
                    mask &= mask - 1;
                }
            }
        }
        for (; i < n; i++)
        {
            int key = (gt[i] << 8) | predicted[i];
            if (key == runKey) continue;
            histogram[runKey] += i - runStart;
            runStart = i;
            runKey = key;
        }
        histogram[runKey] += n - runStart;
    }

    /// <summary>Adds the valid cells to <paramref name="into"/>, rejects out-of-range labels, and re-zeroes the table.</summary>
    public static void FoldInto(int[] histogram, ConfusionOptions options, ConfusionMatrix into)
    {
        int k = options.Classes;
        try
        {
            for (int g = 0; g < 256; g++)
            {
                int row = g << 8;
                for (int p = 0; p < 256; p++)
                {
                    int c = histogram[row | p];
                    if (c == 0) continue;
                    if (g == 255) continue;
                    if (g >= k)
                        throw new WsssInputException(null, $"ground-truth label {g} is outside 0..{k - 1} and is not 255 (check --classes)");
                    if (p == 255)
                    {
                        if (options.PredictedIgnore == PredictedIgnore.CountAsBackground) into.Counts[g * k] += c;
                        else if (options.PredictedIgnore == PredictedIgnore.GroundTruthRowOnly) into.IgnoredPredictions[g] += c;
                        continue;
                    }
                    if (p >= k)
                        throw new WsssInputException(null, $"predicted label {p} is outside 0..{k - 1} and is not 255 (check --classes)");
                    into.Counts[g * k + p] += c;
                }
            }
        }
        finally
        {
            Array.Clear(histogram);
        }
    }
}
