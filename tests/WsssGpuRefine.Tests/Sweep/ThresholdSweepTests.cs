using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Sweep;

/// <summary>
/// <see cref="ThresholdSweep"/> on every backend: every threshold's matrix must equal evaluating that threshold
/// apart (label, then count), which is what the seed methods' eval scripts do once per threshold.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class ThresholdSweepTests(VulkanFixture backends)
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

    /// <summary>The matrix of one threshold evaluated on its own, on the CPU (label, then count).</summary>
    private static ConfusionMatrix EvaluatedApart(IEnumerable<CamWithGroundTruth> items, double threshold, int classes)
    {
        var direct = new ConfusionMatrix(classes);
        foreach (var item in items)
        {
            var labels = ThresholdLabeling.Label(item.Cams, new BackgroundRule.Constant(threshold));
            direct.Add(ConfusionCounting.Count(labels, item.GroundTruth, new ConfusionOptions(classes)));
        }
        return direct;
    }

    public static IEnumerable<object[]> SeedsOnEveryBackend =>
        AllBackendsAttribute.Cross([[1, false], [2, true], [3, true], [4, false]]);

    [Theory, MemberData(nameof(SeedsOnEveryBackend))]
    public void One_pass_sweep_equals_evaluating_each_threshold_apart(string backend, int seed, bool quantised)
    {
        var rng = new Random(seed);
        const int k = 21;
        var items = Enumerable.Range(0, 6).Select(i => RandomItem(rng, 1 + rng.Next(40), 1 + rng.Next(40), k, quantised)).ToArray();
        var thresholds = ThresholdSweep.Range(0, 0.59, 0.01);
        Assert.Equal(60, thresholds.Length);
        var sweep = new ThresholdSweep(thresholds, k);
        sweep.Add(backends.Get(backend), items);
        for (int t = 0; t < thresholds.Length; t++)
            Assert.Equal(EvaluatedApart(items, thresholds[t], k).Counts, sweep.ConfusionAt(t).Counts);
    }

    [Theory, AllBackends]
    public void Sweep_over_odd_sized_batches_equals_the_cpu_and_each_threshold_apart(string backend)
    {
        var rng = new Random(13);
        var thresholds = ThresholdSweep.Range(0, 0.59, 0.01);
        var items = RandomData.CamBatch(rng)
            .Select(c => new CamWithGroundTruth(c, RandomData.Labels(rng, c.Height, c.Width, 21)))
            .ToList();
        var cpu = new ThresholdSweep(thresholds, 21);
        cpu.Add(backends.Cpu, items);
        var sweep = new ThresholdSweep(thresholds, 21);
        sweep.Add(backends.Get(backend), items);
        var expected = cpu.AllConfusions();
        var actual = sweep.AllConfusions();
        for (int i = 0; i < thresholds.Length; i++)
        {
            Assert.True(expected[i].Counts.SequenceEqual(actual[i].Counts), $"threshold {thresholds[i]} differs on {backend}");
            Assert.Equal(EvaluatedApart(items, thresholds[i], 21).Counts, actual[i].Counts);
        }
    }

    [Theory, AllBackends]
    public void Unsorted_and_duplicate_thresholds_are_reported_in_caller_order(string backend)
    {
        var rng = new Random(11);
        var items = new[] { RandomItem(rng, 17, 23, 5, quantised: true), RandomItem(rng, 9, 31, 5, quantised: true) };
        double[] thresholds = [0.3, 0.1, 0.3, 0.0, 0.65, 0.95];
        var sweep = new ThresholdSweep(thresholds, 5);
        sweep.Add(backends.Get(backend), items);
        for (int t = 0; t < thresholds.Length; t++)
            Assert.Equal(EvaluatedApart(items, thresholds[t], 5).Counts, sweep.ConfusionAt(t).Counts);
    }

    [Fact]
    public void Single_image_add_equals_evaluating_each_threshold_apart()
    {
        var rng = new Random(11);
        var item = RandomItem(rng, 17, 23, 5, quantised: true);
        double[] thresholds = [0.3, 0.1, 0.3, 0.0, 0.65];
        var sweep = new ThresholdSweep(thresholds, 5);
        sweep.Add(item.Cams, item.GroundTruth);
        for (int t = 0; t < thresholds.Length; t++)
            Assert.Equal(EvaluatedApart([item], thresholds[t], 5).Counts, sweep.ConfusionAt(t).Counts);
    }

    [Theory, AllBackends]
    public void Best_threshold_of_the_sweep_is_the_best_of_separate_evaluations(string backend)
    {
        var rng = new Random(5);
        var items = Enumerable.Range(0, 4).Select(_ => RandomItem(rng, 30, 30, 21, false)).ToArray();
        var thresholds = ThresholdSweep.Range(0.05, 0.75, 0.05);
        var sweep = new ThresholdSweep(thresholds, 21);
        sweep.Add(backends.Get(backend), items);
        var fromSweep = thresholds.Select((_, t) => SegmentationMetrics.Compute(sweep.ConfusionAt(t), SegmentationMetric.Chainercv).MeanIou).ToArray();
        var separate = thresholds.Select(th => SegmentationMetrics.Compute(EvaluatedApart(items, th, 21), SegmentationMetric.Chainercv).MeanIou).ToArray();
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

    [Theory, AllBackends]
    public void Size_mismatch_between_cam_and_ground_truth_is_a_clear_error(string backend)
    {
        var sweep = new ThresholdSweep([0.1], 21);
        var e = Assert.Throws<WsssInputException>(() =>
            sweep.Add(backends.Get(backend), [new CamWithGroundTruth(new ClassMaps([1], 2, 3, new float[6]), new LabelMap(3, 2))]));
        Assert.Contains("CAM is 3x2 but ground truth is 2x3", e.Message);
    }

    [Theory, AllBackends]
    public void Out_of_range_ground_truth_is_the_same_error_on_every_backend(string backend)
    {
        var cams = new ClassMaps([1], 1, 3, [0.2f, 0.4f, 0.9f]);
        var gt = new LabelMap(1, 3, [0, 30, 1]);
        var single = Assert.Throws<WsssInputException>(() => new ThresholdSweep([0.3], 21).Add(cams, gt));
        var batch = Assert.Throws<WsssInputException>(() => new ThresholdSweep([0.3], 21).Add(backends.Get(backend), [new CamWithGroundTruth(cams, gt)]));
        Assert.Equal("ground-truth label 30 is outside 0..20 and is not 255 (check --classes)", single.Reason);
        Assert.Equal(single.Reason, batch.Reason);
    }

    [VulkanFact]
    public void Gpu_sweep_counts_keys_beyond_the_shared_table()
    {
        // 20 channels with fine-grained values, ground truth over all 21 classes and 60 thresholds, and
        // one workgroup over 256 x 64 pixels: it meets far more distinct (bin, gt, label) keys than its
        // 2048-slot table holds, so many go straight to global memory.
        var rng = new Random(14);
        // Per pixel a random winning channel and a max spread over all bins (a plain random stack would put
        // the max of 20 channels above every threshold).
        const int n = 128 * 128;
        var data = new float[20 * n];
        for (int p = 0; p < n; p++)
        {
            float m = rng.Next(0, 601) / 1000f;
            int winner = rng.Next(20);
            for (int c = 0; c < 20; c++) data[c * n + p] = c == winner ? m : m * rng.Next(0, 100) / 100f;
        }
        var cams = new ClassMaps(Enumerable.Range(1, 20).ToArray(), 128, 128, data);
        var gt = RandomData.Labels(rng, 128, 128, 21, ignoreFraction: 0);
        var thresholds = ThresholdSweep.Range(0, 0.59, 0.01);
        var cpu = new ThresholdSweep(thresholds, 21);
        cpu.Add(backends.Cpu, [new CamWithGroundTruth(cams, gt)]);
        using var crowded = VulkanBackend.Create(new VulkanBackendOptions
        {
            DeviceNameContains = backends.Backend.Device.Name, DebugMessenger = true, ItemsPerThread = 64,
        });
        var gpu = new ThresholdSweep(thresholds, 21);
        gpu.Add(crowded, [new CamWithGroundTruth(cams, gt)]);
        for (int i = 0; i < thresholds.Length; i++)
            Assert.Equal(cpu.ConfusionAt(i).Counts, gpu.ConfusionAt(i).Counts);
        Assert.Equal(128L * 128, gpu.ConfusionAt(0).Total);
    }
}
