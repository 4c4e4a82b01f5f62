using WsssGpuRefine.Backends;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Evaluation;

public class SweepTests
{
    internal static CamWithGroundTruth RandomItem(Random rng, int h, int w, int classes, bool quantised)
    {
        int c = rng.Next(0, 4);
        var ids = Enumerable.Range(1, classes - 1).OrderBy(_ => rng.Next()).Take(c).OrderBy(x => x).ToArray();
        var data = new float[c * h * w];
        // Quantised scores land exactly on thresholds, which is where an off-by-one would show.
        for (int i = 0; i < data.Length; i++) data[i] = quantised ? rng.Next(0, 70) / 100f : rng.NextSingle();
        var gt = new byte[h * w];
        for (int i = 0; i < gt.Length; i++) gt[i] = rng.Next(8) == 0 ? (byte)255 : (byte)rng.Next(classes);
        return new CamWithGroundTruth(new ClassMaps(ids, h, w, data), new LabelMap(h, w, gt));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public void One_pass_sweep_equals_evaluating_each_threshold_apart(int seed, bool quantised)
    {
        var rng = new Random(seed);
        const int k = 21;
        var items = Enumerable.Range(0, 6).Select(i => RandomItem(rng, 1 + rng.Next(40), 1 + rng.Next(40), k, quantised)).ToArray();
        var thresholds = ThresholdSweep.Range(0, 0.59, 0.01);
        Assert.Equal(60, thresholds.Length);
        var sweep = new ThresholdSweep(thresholds, k);
        sweep.Add(CpuBackend.Shared, items);
        for (int t = 0; t < thresholds.Length; t++)
        {
            var direct = new ConfusionMatrix(k);
            foreach (var item in items)
            {
                var labels = ThresholdLabeling.Label(item.Cams, new BackgroundRule.Constant(thresholds[t]));
                direct.Add(ConfusionCounting.Count(labels, item.GroundTruth, new ConfusionOptions(k)));
            }
            Assert.Equal(direct.Counts, sweep.ConfusionAt(t).Counts);
        }
    }

    [Fact]
    public void Unsorted_and_duplicate_thresholds_are_reported_in_caller_order()
    {
        var rng = new Random(11);
        var item = RandomItem(rng, 17, 23, 5, quantised: true);
        double[] thresholds = [0.3, 0.1, 0.3, 0.0, 0.65];
        var sweep = new ThresholdSweep(thresholds, 5);
        sweep.Add(item.Cams, item.GroundTruth);
        for (int t = 0; t < thresholds.Length; t++)
        {
            var labels = ThresholdLabeling.Label(item.Cams, new BackgroundRule.Constant(thresholds[t]));
            Assert.Equal(ConfusionCounting.Count(labels, item.GroundTruth, new ConfusionOptions(5)).Counts,
                sweep.ConfusionAt(t).Counts);
        }
    }

    [Fact]
    public void Best_threshold_of_the_sweep_is_the_best_of_separate_evaluations()
    {
        var rng = new Random(5);
        var items = Enumerable.Range(0, 4).Select(_ => RandomItem(rng, 30, 30, 21, false)).ToArray();
        var thresholds = ThresholdSweep.Range(0.05, 0.75, 0.05);
        var sweep = new ThresholdSweep(thresholds, 21);
        sweep.Add(CpuBackend.Shared, items);
        var fromSweep = thresholds.Select((_, t) => SegmentationMetrics.Compute(sweep.ConfusionAt(t), SegmentationMetric.Chainercv).MeanIou).ToArray();
        var separate = thresholds.Select(th =>
        {
            var m = new ConfusionMatrix(21);
            foreach (var it in items)
                m.Add(ConfusionCounting.Count(ThresholdLabeling.Label(it.Cams, new BackgroundRule.Constant(th)), it.GroundTruth, new ConfusionOptions(21)));
            return SegmentationMetrics.Compute(m, SegmentationMetric.Chainercv).MeanIou;
        }).ToArray();
        Assert.Equal(Array.IndexOf(separate, separate.Max()), Array.IndexOf(fromSweep, fromSweep.Max()));
        Assert.Equal(separate, fromSweep);
    }

    [Fact]
    public void Range_is_inclusive_and_exact_in_decimal()
    {
        var r = ThresholdSweep.Range(0.15, 0.34, 0.01);
        Assert.Equal(20, r.Length);
        Assert.Equal(0.15, r[0]);
        Assert.Equal(0.34, r[^1]);
        Assert.Equal(0.29, r[14]);
    }

    [Fact]
    public void Size_mismatch_between_cam_and_ground_truth_is_a_clear_error()
    {
        var sweep = new ThresholdSweep([0.1], 21);
        var e = Assert.Throws<WsssInputException>(() =>
            sweep.Add(new ClassMaps([1], 2, 3, new float[6]), new LabelMap(3, 2)));
        Assert.Contains("CAM is 3x2 but ground truth is 2x3", e.Message);
    }
}
