using System.Runtime.Intrinsics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Confusion;

/// <summary>A prediction and its ground truth, same size.</summary>
public readonly record struct LabelPair(LabelMap Predicted, LabelMap GroundTruth);

/// <summary>Confusion-matrix accumulation over label pairs (spec 4.9).</summary>
public static partial class ConfusionCounting
{
    /// <summary>Counts one pair on the CPU.</summary>
    public static ConfusionMatrix Count(LabelMap predicted, LabelMap groundTruth, ConfusionOptions options)
    {
        var result = new ConfusionMatrix(options.Classes);
        var histogram = new int[PairHistogram.Size];
        CountCpu(new LabelPair(predicted, groundTruth), options, histogram, result);
        return result;
    }

    /// <summary>Counts a batch on the given backend; the matrix is identical on every backend.</summary>
    public static ConfusionMatrix Count(ComputeBackend backend, IReadOnlyList<LabelPair> pairs, ConfusionOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var pair in pairs) CheckSameSize(pair);
        ConfusionMatrix? gpu = null;
        CountOnGpu(backend, pairs, options, ref gpu);
        if (gpu is not null) return gpu;

        var total = new ConfusionMatrix(options.Classes);
        var parallel = backend is CpuBackend cpu ? cpu.ParallelOptions : new ParallelOptions();
        Parallel.For(0, pairs.Count, parallel,
            () => (Histogram: new int[PairHistogram.Size], Partial: new ConfusionMatrix(options.Classes)),
            (i, _, local) =>
            {
                CountCpu(pairs[i], options, local.Histogram, local.Partial);
                return local;
            },
            local =>
            {
                lock (total) total.Add(local.Partial);
            });
        return total;
    }

    static partial void CountOnGpu(ComputeBackend backend, IReadOnlyList<LabelPair> pairs, ConfusionOptions options, ref ConfusionMatrix? result);

    internal static void CheckSameSize(LabelPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair.Predicted);
        ArgumentNullException.ThrowIfNull(pair.GroundTruth);
        if (pair.Predicted.Height != pair.GroundTruth.Height || pair.Predicted.Width != pair.GroundTruth.Width)
            throw new WsssInputException(null,
                $"prediction is {pair.Predicted.Width}x{pair.Predicted.Height} but ground truth is {pair.GroundTruth.Width}x{pair.GroundTruth.Height}");
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
/// label maps are piecewise constant, so whole vectors of one (gt, prediction) pair are counted at once.
/// </summary>
internal static class PairHistogram
{
    public const int Size = 256 * 256;

    public static void Accumulate(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> predicted, int[] histogram)
    {
        int n = gt.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            while (i <= n - Vector256<byte>.Count)
            {
                var g = Vector256.Create(gt.Slice(i, Vector256<byte>.Count));
                var p = Vector256.Create(predicted.Slice(i, Vector256<byte>.Count));
                byte g0 = gt[i], p0 = predicted[i];
                var same = Vector256.Equals(g, Vector256.Create(g0)) & Vector256.Equals(p, Vector256.Create(p0));
                if (same == Vector256<byte>.AllBitsSet)
                {
                    histogram[(g0 << 8) | p0] += Vector256<byte>.Count;
                }
                else
                {
                    for (int j = i; j < i + Vector256<byte>.Count; j++) histogram[(gt[j] << 8) | predicted[j]]++;
                }
                i += Vector256<byte>.Count;
            }
        }
        for (; i < n; i++) histogram[(gt[i] << 8) | predicted[i]]++;
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
