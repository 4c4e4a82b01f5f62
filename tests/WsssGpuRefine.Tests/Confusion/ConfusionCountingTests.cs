using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Tests.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Confusion;

/// <summary>
/// <see cref="ConfusionCounting"/> on every backend: hand-worked matrices, and random odd-sized batches against the
/// pixel-by-pixel definition (rows = ground truth, ground-truth 255 dropped, predicted 255 as background or skipped).
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class ConfusionCountingTests(VulkanFixture backends)
{
    /// <summary>The definition pixel by pixel: what every backend must count.</summary>
    internal static long[] ScalarDefinition(IEnumerable<LabelPair> pairs, ConfusionOptions options)
    {
        int k = options.Classes;
        var counts = new long[k * k];
        foreach (var pair in pairs)
            for (int i = 0; i < pair.GroundTruth.PixelCount; i++)
            {
                int g = pair.GroundTruth.Labels[i], p = pair.Predicted.Labels[i];
                if (g == LabelMap.Ignore) continue;
                if (p == LabelMap.Ignore)
                {
                    if (options.PredictedIgnore == PredictedIgnore.Skip) continue;
                    p = 0;
                }
                counts[g * k + p]++;
            }
        return counts;
    }

    [Theory, AllBackends]
    public void Counts_rows_as_ground_truth_and_ignores_gt_255(string backend)
    {
        var gt = new LabelMap(2, 3, [0, 0, 1, 255, 1, 2]);
        var pred = new LabelMap(2, 3, [0, 1, 1, 2, 255, 2]);
        var b = backends.Get(backend);
        var asBackground = ConfusionCounting.Count(b, [new LabelPair(pred, gt)], new ConfusionOptions(3));
        // gt0: pred 0,1 ; gt1: pred 1, 255->0 ; gt2: pred 2 ; the gt-255 pixel is dropped.
        Assert.Equal(new long[] { 1, 1, 0, 1, 1, 0, 0, 0, 1 }, asBackground.Counts);
        var skipping = ConfusionCounting.Count(b, [new LabelPair(pred, gt)], new ConfusionOptions(3, PredictedIgnore.Skip));
        Assert.Equal(new long[] { 1, 1, 0, 0, 1, 0, 0, 0, 1 }, skipping.Counts);
        Assert.Equal(asBackground.Counts, ConfusionCounting.Count(pred, gt, new ConfusionOptions(3)).Counts);
    }

    [Theory, AllBackends]
    public void Five_pixels_of_three_classes(string backend)
    {
        // gt:   0 1 1 255 2 ; pred: 0 1 2 1 255 with K = 3.
        // counts: (0,0) (1,1) (1,2); gt 255 skipped; pred 255 -> (2,0) or skipped.
        var pred = new LabelMap(1, 5, [0, 1, 2, 1, 255]);
        var gt = new LabelMap(1, 5, [0, 1, 1, 255, 2]);
        var b = backends.Get(backend);
        var asBackground = ConfusionCounting.Count(b, [new LabelPair(pred, gt)], new ConfusionOptions(3, PredictedIgnore.CountAsBackground));
        Assert.Equal(new long[] { 1, 0, 0, 0, 1, 1, 1, 0, 0 }, asBackground.Counts);
        var skipped = ConfusionCounting.Count(b, [new LabelPair(pred, gt)], new ConfusionOptions(3, PredictedIgnore.Skip));
        Assert.Equal(new long[] { 1, 0, 0, 0, 1, 1, 0, 0, 0 }, skipped.Counts);
    }

    [Theory, AllBackends]
    public void Runs_and_broken_runs_on_long_maps_match_the_definition(string backend)
    {
        var rng = new Random(7);
        int h = 37, w = 53;
        var gt = new byte[h * w];
        var pred = new byte[h * w];
        for (int i = 0; i < gt.Length; i++)
        {
            // long runs (the fast path) broken by random pixels (the slow path)
            gt[i] = (byte)(i / 97 % 5 == 4 ? 255 : i / 97 % 5);
            pred[i] = rng.Next(10) == 0 ? (byte)rng.Next(5) : (byte)(i / 61 % 5);
        }
        var expected = new long[25];
        for (int i = 0; i < gt.Length; i++)
            if (gt[i] != 255) expected[gt[i] * 5 + pred[i]]++;
        var pair = new LabelPair(new LabelMap(h, w, pred), new LabelMap(h, w, gt));
        Assert.Equal(expected, ConfusionCounting.Count(backends.Get(backend), [pair], new ConfusionOptions(5)).Counts);
        Assert.Equal(expected, ConfusionCounting.Count(pair.Predicted, pair.GroundTruth, new ConfusionOptions(5)).Counts);
    }

    [Theory, AllBackends]
    public void Random_odd_sized_batches_match_the_definition_and_the_cpu(string backend)
    {
        var rng = new Random(16);
        var b = backends.Get(backend);
        foreach (int k in new[] { 2, 21, 64, 65, 200 })
        {
            var pairs = RandomData.OddSizes.Concat([(H: 100, W: 3), (H: 5, W: 1)])
                .Select(s => new LabelPair(RandomData.Labels(rng, s.H, s.W, k, 0.05), RandomData.Labels(rng, s.H, s.W, k, 0.1)))
                .ToList();
            // Piecewise-constant maps too, where the kernel adds runs of equal pairs at once.
            var block = new LabelMap(37, 41, Enumerable.Range(0, 37 * 41).Select(i => (byte)(i / 97 % k)).ToArray());
            pairs.Add(new LabelPair(block, block));
            foreach (var mode in new[] { PredictedIgnore.CountAsBackground, PredictedIgnore.Skip })
            {
                var options = new ConfusionOptions(k, mode);
                var actual = ConfusionCounting.Count(b, pairs, options).Counts;
                Assert.True(ScalarDefinition(pairs, options).SequenceEqual(actual), $"K={k} {mode} on {backend}");
                Assert.True(ConfusionCounting.Count(backends.Cpu, pairs, options).Counts.SequenceEqual(actual), $"K={k} {mode} on {backend} vs cpu");
            }
        }
    }

    [Theory, AllBackends]
    public void Rejects_labels_beyond_the_class_count_with_the_same_error_everywhere(string backend)
    {
        var options = new ConfusionOptions(21);
        var badGt = new LabelPair(new LabelMap(1, 2, [0, 1]), new LabelMap(1, 2, [0, 40]));
        var badPred = new LabelPair(new LabelMap(1, 2, [0, 99]), new LabelMap(1, 2, [0, 1]));
        var good = new LabelPair(new LabelMap(1, 2, [0, 1]), new LabelMap(1, 2, [0, 1]));
        string[] reasons =
        [
            "ground-truth label 40 is outside 0..20 and is not 255 (check --classes)",
            "predicted label 99 is outside 0..20 and is not 255 (check --classes)",
        ];
        var b = backends.Get(backend);
        foreach (var (pair, reason) in new[] { badGt, badPred }.Zip(reasons))
        {
            var single = Assert.Throws<WsssInputException>(() => ConfusionCounting.Count(pair.Predicted, pair.GroundTruth, options));
            // In a batch the failure itself comes out, not an AggregateException of the parallel loop.
            var batch = Assert.Throws<WsssInputException>(() => ConfusionCounting.Count(b, [good, pair, good], options));
            Assert.Equal(reason, single.Reason);
            Assert.Equal(reason, batch.Reason);
        }
    }

    [Theory, AllBackends]
    public void Rejects_size_mismatch(string backend)
    {
        var e = Assert.Throws<WsssInputException>(() =>
            ConfusionCounting.Count(backends.Get(backend), [new LabelPair(new LabelMap(2, 2), new LabelMap(2, 3))], new ConfusionOptions(21)));
        Assert.Contains("2x2", e.Message);
        Assert.Throws<WsssInputException>(() => ConfusionCounting.Count(new LabelMap(2, 2), new LabelMap(2, 3), new ConfusionOptions(21)));
    }

    [Theory, AllBackends]
    public void Empty_batch_counts_nothing(string backend) =>
        Assert.Equal(0, ConfusionCounting.Count(backends.Get(backend), [], new ConfusionOptions()).Total);
}
