using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Vulkan;

/// <summary>CPU vs Vulkan: every integer output must be equal, on every buffer path (direct, staging, tiny chunks).</summary>
[Collection(VulkanCollection.Name)]
public sealed class VulkanKernelTests(VulkanFixture fixture)
{
    private static readonly CpuBackend Cpu = new();

    [VulkanFact]
    public void ThresholdHandWorkedCase()
    {
        // 1x5 image, channels for classes 3 and 7; t = 0.5.
        // pixel 0: 0.6 vs 0.2 -> class 3; pixel 1: tie 0.7/0.7 -> first channel (3);
        // pixel 2: max 0.5 == t -> background; pixel 3: 0.1 vs 0.9 -> 7; pixel 4: 0.50001 -> 3.
        var cams = new ClassMaps([3, 7], 1, 5, [0.6f, 0.7f, 0.5f, 0.1f, 0.50001f, 0.2f, 0.7f, 0.3f, 0.9f, 0.0f]);
        foreach (var vk in fixture.All)
        {
            var labels = ThresholdLabeling.Label(vk, [cams], new BackgroundRule.Constant(0.5));
            Assert.Equal(new byte[] { 3, 3, 0, 7, 3 }, labels[0].Labels);
        }
    }

    [VulkanFact]
    public void ThresholdMatchesCpuOnRandomOddSizedBatches()
    {
        var rng = new Random(11);
        var batch = RandomData.CamBatch(rng);
        foreach (double t in new[] { 0.0, 0.15, 0.5, 0.95, 1.0 })
        {
            var rule = new BackgroundRule.Constant(t);
            var expected = ThresholdLabeling.Label(Cpu, batch, rule);
            foreach (var vk in fixture.All)
                AssertSameLabels(expected, ThresholdLabeling.Label(vk, batch, rule), $"{vk.Options.MaxChunkBytes} t={t}");
        }
    }

    [VulkanFact]
    public void PowerBackgroundHandWorkedCase()
    {
        // alpha = 2: m = 0.5 -> bg 0.25 < 0.5 -> fg; m = 0.25 -> bg 0.5625 -> bg;
        // m = 0.381966 (golden ratio point, bg ~= m) decided exactly as the CPU; m = 1 -> bg 0 -> fg.
        var cams = new ClassMaps([5], 1, 3, [0.5f, 0.25f, 1f]);
        foreach (var vk in fixture.All)
            Assert.Equal(new byte[] { 5, 0, 5 }, ThresholdLabeling.Label(vk, [cams], new BackgroundRule.Power(2))[0].Labels);
    }

    [VulkanFact]
    public void PowerBackgroundMatchesCpuForIntegerAndFractionalAlpha()
    {
        var rng = new Random(12);
        var batch = RandomData.CamBatch(rng);
        // Values around the bg = m crossing of each alpha, where rounding decides the label.
        batch.Add(NearCrossing(rng, 4));
        batch.Add(NearCrossing(rng, 1.5));
        foreach (double alpha in new[] { 0.0, 1.0, 4.0, 16.0, 32.0, 64.0, 1.5, 2.7, 65.0 })
        {
            var rule = new BackgroundRule.Power(alpha);
            var expected = ThresholdLabeling.Label(Cpu, batch, rule);
            foreach (var vk in fixture.All)
                AssertSameLabels(expected, ThresholdLabeling.Label(vk, batch, rule), $"alpha={alpha}");
        }
    }

    private static ClassMaps NearCrossing(Random rng, double alpha)
    {
        // Solve m = (1 - m)^alpha by bisection, then sample float32 values a few ulps around it.
        double lo = 0, hi = 1;
        for (int i = 0; i < 60; i++)
        {
            double mid = (lo + hi) / 2;
            if (mid > Math.Pow(1 - mid, alpha)) hi = mid; else lo = mid;
        }
        float root = (float)lo;
        var data = new float[2 * 64 * 33];
        for (int i = 0; i < data.Length; i++)
        {
            float v = root;
            int steps = rng.Next(-8, 9);
            for (int s = 0; s < Math.Abs(steps); s++) v = steps > 0 ? MathF.BitIncrement(v) : MathF.BitDecrement(v);
            data[i] = v;
        }
        return new ClassMaps([2, 9], 64, 33, data);
    }

    [VulkanFact]
    public void SweepMatchesCpuAtEveryThreshold()
    {
        var rng = new Random(13);
        var thresholds = ThresholdSweep.Range(0, 0.59, 0.01);
        var items = RandomData.CamBatch(rng)
            .Select(c => new CamWithGroundTruth(c, RandomData.Labels(rng, c.Height, c.Width, 21)))
            .ToList();
        var cpu = new ThresholdSweep(thresholds, 21);
        cpu.Add(Cpu, items);
        var expected = cpu.AllConfusions();
        foreach (var vk in fixture.All)
        {
            var gpu = new ThresholdSweep(thresholds, 21);
            gpu.Add(vk, items);
            var actual = gpu.AllConfusions();
            for (int i = 0; i < thresholds.Length; i++)
                Assert.True(expected[i].Counts.SequenceEqual(actual[i].Counts), $"threshold {thresholds[i]} differs on {vk.DeviceName} chunk {vk.MaxBufferBytes}");
        }
    }

    [VulkanFact]
    public void SweepCountsKeysBeyondTheSharedTable()
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
        cpu.Add(Cpu, [new CamWithGroundTruth(cams, gt)]);
        using var crowded = VulkanBackend.Create(new VulkanBackendOptions
        {
            DeviceNameContains = fixture.Backend.Device.Name, DebugMessenger = true, ItemsPerThread = 64,
        });
        var gpu = new ThresholdSweep(thresholds, 21);
        gpu.Add(crowded, [new CamWithGroundTruth(cams, gt)]);
        for (int i = 0; i < thresholds.Length; i++)
            Assert.Equal(cpu.ConfusionAt(i).Counts, gpu.ConfusionAt(i).Counts);
        Assert.Equal(128L * 128, gpu.ConfusionAt(0).Total);
    }

    [VulkanFact]
    public void SweepAcceptsUnsortedAndDuplicateThresholds()
    {
        var rng = new Random(15);
        double[] thresholds = [0.5, 0.1, 0.3, 0.1, 0.95, 0.0];
        var items = RandomData.CamBatch(rng).Select(c => new CamWithGroundTruth(c, RandomData.Labels(rng, c.Height, c.Width, 21))).ToList();
        var cpu = new ThresholdSweep(thresholds, 21);
        cpu.Add(Cpu, items);
        var gpu = new ThresholdSweep(thresholds, 21);
        gpu.Add(fixture.TinyChunks, items);
        for (int i = 0; i < thresholds.Length; i++)
            Assert.Equal(cpu.ConfusionAt(i).Counts, gpu.ConfusionAt(i).Counts);
    }

    [VulkanFact]
    public void SweepRejectsOutOfRangeGroundTruthLikeTheCpu()
    {
        var cams = new ClassMaps([1], 1, 3, [0.2f, 0.4f, 0.9f]);
        var gt = new LabelMap(1, 3, [0, 30, 1]);
        var sweep = new ThresholdSweep([0.3], 21);
        var cpuError = Assert.Throws<WsssInputException>(() => sweep.Add(cams, gt));
        var gpuError = Assert.Throws<WsssInputException>(() => new ThresholdSweep([0.3], 21).Add(fixture.Backend, [new CamWithGroundTruth(cams, gt)]));
        Assert.Equal(cpuError.Reason, gpuError.Reason);
    }

    [VulkanFact]
    public void ConfusionHandWorkedCase()
    {
        // gt:   0 1 1 255 2 ; pred: 0 1 2 1 255 with K = 3.
        // counts: (0,0) (1,1) (1,2); gt 255 skipped; pred 255 -> (2,0) or skipped.
        var pred = new LabelMap(1, 5, [0, 1, 2, 1, 255]);
        var gt = new LabelMap(1, 5, [0, 1, 1, 255, 2]);
        foreach (var vk in fixture.All)
        {
            var asBackground = ConfusionCounting.Count(vk, [new LabelPair(pred, gt)], new ConfusionOptions(3, PredictedIgnore.CountAsBackground));
            Assert.Equal(new long[] { 1, 0, 0, 0, 1, 1, 1, 0, 0 }, asBackground.Counts);
            var skipped = ConfusionCounting.Count(vk, [new LabelPair(pred, gt)], new ConfusionOptions(3, PredictedIgnore.Skip));
            Assert.Equal(new long[] { 1, 0, 0, 0, 1, 1, 0, 0, 0 }, skipped.Counts);
        }
    }

    [VulkanFact]
    public void ConfusionMatchesCpuOnRandomOddSizedBatches()
    {
        var rng = new Random(16);
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
                var expected = ConfusionCounting.Count(Cpu, pairs, options);
                foreach (var vk in fixture.All)
                    Assert.True(expected.Counts.SequenceEqual(ConfusionCounting.Count(vk, pairs, options).Counts),
                        $"K={k} {mode} chunk {vk.MaxBufferBytes} staging {vk.UsesStaging}");
            }
        }
    }

    [VulkanFact]
    public void ConfusionRejectsOutOfRangeLabelsLikeTheCpu()
    {
        var options = new ConfusionOptions(21);
        var badGt = new LabelPair(new LabelMap(1, 2, [0, 1]), new LabelMap(1, 2, [0, 40]));
        var badPred = new LabelPair(new LabelMap(1, 2, [0, 99]), new LabelMap(1, 2, [0, 1]));
        foreach (var pair in new[] { badGt, badPred })
        {
            var cpu = Assert.Throws<WsssInputException>(() => ConfusionCounting.Count(pair.Predicted, pair.GroundTruth, options));
            var gpu = Assert.Throws<WsssInputException>(() => ConfusionCounting.Count(fixture.Backend, [pair], options));
            Assert.Equal(cpu.Reason, gpu.Reason);
        }
    }

    [VulkanFact]
    public void EmptyBatchesAndEmptyImagesAreFine()
    {
        var vk = fixture.Backend;
        Assert.Empty(ThresholdLabeling.Label(vk, [], new BackgroundRule.Constant(0.1)));
        var empty = new ClassMaps([1], 0, 0, []);
        Assert.Empty(ThresholdLabeling.Label(vk, [empty], new BackgroundRule.Constant(0.1))[0].Labels);
        Assert.Equal(0, ConfusionCounting.Count(vk, [], new ConfusionOptions()).Total);
    }

    private static void AssertSameLabels(LabelMap[] expected, LabelMap[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            int mismatch = expected[i].Labels.AsSpan().CommonPrefixLength(actual[i].Labels);
            Assert.True(mismatch == expected[i].Labels.Length,
                $"image {i} ({expected[i].Height}x{expected[i].Width}) differs at pixel {mismatch} ({context})");
        }
    }
}
