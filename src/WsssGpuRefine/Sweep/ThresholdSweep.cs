using WsssGpuRefine.Backends;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Sweep;

/// <summary>A CAM stack and its ground truth, same size.</summary>
public readonly record struct CamWithGroundTruth(ClassMaps Cams, LabelMap GroundTruth);

/// <summary>
/// The exact one-pass sweep of many constant thresholds. Under IRN's rule a pixel is foreground at threshold t
/// iff its max score m exceeds float32(t), and its label is then fixed (the first argmax), whatever t is. So
/// each pixel only needs its "bin" = how many thresholds lie below m: one histogram over (bin, gt, label) then
/// yields every threshold's confusion matrix by suffix sums, exactly as evaluating each threshold apart.
/// </summary>
public sealed partial class ThresholdSweep
{
    private readonly long[] _histogram;
    private readonly object _gate = new();

    /// <summary>An empty sweep over the given constant thresholds.</summary>
    /// <param name="thresholds">Background thresholds in the units of the stored CAMs, any order, duplicates allowed; results come back in this order.</param>
    /// <param name="classes">Label classes K of the confusion matrices, 1..255 (21 for VOC).</param>
    /// <exception cref="ArgumentException">The list is empty or holds a NaN or infinite value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Classes is outside 1..255.</exception>
    public ThresholdSweep(IReadOnlyList<double> thresholds, int classes)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (thresholds.Count == 0) throw new ArgumentException("at least one threshold is needed", nameof(thresholds));
        if (classes is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(classes), "classes must be in 1..255");
        foreach (double t in thresholds)
            if (!double.IsFinite(t)) throw new ArgumentException("thresholds must be finite", nameof(thresholds));
        Thresholds = thresholds.ToArray();
        Classes = classes;
        _order = Enumerable.Range(0, Thresholds.Length).OrderBy(i => (float)Thresholds[i]).ThenBy(i => i).ToArray();
        SortedThresholds32 = _order.Select(i => (float)Thresholds[i]).ToArray();
        Bins = new BinLookup(SortedThresholds32);
        _histogram = new long[HistogramLength];
    }

    /// <summary>Builds the thresholds start, start+step, ... up to stop inclusive (SEAM's 0:0.59:0.01 gives 60).</summary>
    public static double[] Range(double start, double stop, double step)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), "step must be positive");
        if (stop < start) throw new ArgumentOutOfRangeException(nameof(stop), "stop must not be below start");
        int count = (int)Math.Floor((stop - start) / step + 1e-9) + 1;
        // i*step from start (not accumulation) so 0.15 is 0.15, as i/100 is in SEAM's and AdvCAM's scripts.
        return Enumerable.Range(0, count).Select(i => Math.Round(start + i * step, 12)).ToArray();
    }

    /// <summary>The thresholds in the caller's order (results are reported in this order).</summary>
    public double[] Thresholds { get; }
    /// <summary>Label classes K of each confusion matrix (21 for VOC).</summary>
    public int Classes { get; }

    private readonly int[] _order;
    internal float[] SortedThresholds32 { get; }
    internal BinLookup Bins { get; }
    internal int BinCount => SortedThresholds32.Length + 1;
    internal int HistogramLength => BinCount * Classes * Classes;

    /// <summary>Adds one image (CPU).</summary>
    public void Add(ClassMaps cams, LabelMap groundTruth)
    {
        var local = new int[HistogramLength];
        AccumulateCpu(new CamWithGroundTruth(cams, groundTruth), local);
        AddHistogram(local);
    }

    /// <summary>Adds a batch on the given backend; the histogram is identical on every backend.</summary>
    public void Add(ComputeBackend backend, IReadOnlyList<CamWithGroundTruth> items)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items) Validate(item);
        backend.Run(new AddBatch(this, items));
    }

    /// <summary>One batch added to <see cref="Sweep"/> (validated by the caller); CPU side in ThresholdSweep.Cpu.cs, GPU side in ThresholdSweep.Vulkan.cs.</summary>
    private sealed partial record AddBatch(ThresholdSweep Sweep, IReadOnlyList<CamWithGroundTruth> Items) : IBackendOperation<bool>;

    /// <summary>Adds counts laid out as [bin][gt][label] (the GPU kernels' partial histograms).</summary>
    internal void AddHistogram(ReadOnlySpan<int> counts) => AddHistogram(counts, c => (uint)c);

    internal void AddHistogram(ReadOnlySpan<uint> counts) => AddHistogram(counts, c => c);

    private void AddHistogram<T>(ReadOnlySpan<T> counts, Func<T, uint> widen)
    {
        if (counts.Length != HistogramLength) throw new ArgumentException("histogram length mismatch", nameof(counts));
        lock (_gate)
            for (int i = 0; i < counts.Length; i++) _histogram[i] += widen(counts[i]);
    }

    internal void Validate(CamWithGroundTruth item)
    {
        ArgumentNullException.ThrowIfNull(item.Cams);
        ArgumentNullException.ThrowIfNull(item.GroundTruth);
        if (item.Cams.Height != item.GroundTruth.Height || item.Cams.Width != item.GroundTruth.Width)
            throw new WsssInputException(null,
                $"CAM is {item.Cams.Width}x{item.Cams.Height} but ground truth is {item.GroundTruth.Width}x{item.GroundTruth.Height}");
        foreach (int id in item.Cams.LabelIds)
            if (id >= Classes)
                throw new WsssInputException(null, $"CAM class id {id} is outside 0..{Classes - 1} (check --classes)");
    }

    /// <summary>The confusion matrix at the i-th threshold (caller's order).</summary>
    public ConfusionMatrix ConfusionAt(int index)
    {
        if ((uint)index >= (uint)Thresholds.Length) throw new ArgumentOutOfRangeException(nameof(index));
        int sortedPosition = Array.IndexOf(_order, index);
        int k = Classes, kk = k * k;
        var result = new ConfusionMatrix(k);
        lock (_gate)
        {
            // Foreground at sorted threshold s iff bin > s.
            for (int bin = 0; bin < BinCount; bin++)
            {
                bool foreground = bin > sortedPosition;
                for (int g = 0; g < k; g++)
                {
                    int row = bin * kk + g * k;
                    for (int label = 0; label < k; label++)
                    {
                        long c = _histogram[row + label];
                        if (c == 0) continue;
                        result.Counts[g * k + (foreground ? label : 0)] += c;
                    }
                }
            }
        }
        return result;
    }

    /// <summary>One K x K confusion matrix per threshold, in <see cref="Thresholds"/> order, over every image added so far.</summary>
    public ConfusionMatrix[] AllConfusions() => Enumerable.Range(0, Thresholds.Length).Select(ConfusionAt).ToArray();
}

/// <summary>
/// bin(m) = number of sorted thresholds strictly below m, in O(1) on average: a uniform bucket table gives a
/// safe lower start and a short forward scan finishes, so any threshold list (not only grids) is exact.
/// </summary>
internal sealed class BinLookup
{
    private const int Buckets = 4096;
    private readonly float[] _sorted;
    private readonly int[] _bucketStart;
    private readonly float _low;
    private readonly float _scale;

    public BinLookup(float[] sortedThresholds)
    {
        _sorted = sortedThresholds;
        _low = sortedThresholds[0];
        float high = sortedThresholds[^1];
        _scale = high > _low ? Buckets / (high - _low) : 0f;
        _bucketStart = new int[Buckets + 1];
        for (int b = 0; b <= Buckets; b++)
        {
            // Start one bucket early so rounding in the bucket computation can never overshoot the true bin.
            double edge = _scale == 0 ? _low : _low + (b - 1) / (double)_scale;
            int count = 0;
            while (count < _sorted.Length && _sorted[count] < edge) count++;
            _bucketStart[b] = count;
        }
    }

    public int BinOf(float m)
    {
        if (!(m > _low)) return 0;
        int bucket = (int)Math.Min(Buckets, (m - _low) * _scale);
        int bin = _bucketStart[bucket];
        while (bin < _sorted.Length && _sorted[bin] < m) bin++;
        return bin;
    }
}
