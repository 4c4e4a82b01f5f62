using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Threshold;

/// <summary>
/// <see cref="ThresholdLabeling"/> on every backend: hand-worked cases, and random odd-sized batches against the
/// scalar definition (first max over the foreground channels, foreground iff it beats the background rule).
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class ThresholdLabelingTests(VulkanFixture backends)
{
    private static ClassMaps Cams(int[] ids, int h, int w, params float[] data) => new(ids, h, w, data);

    /// <summary>Labels one image through the batch entry point on <paramref name="backend"/> and checks the single-image CPU entry point agrees.</summary>
    private byte[] Label(string backend, ClassMaps cams, BackgroundRule rule)
    {
        var labels = ThresholdLabeling.Label(backends.Get(backend), [cams], rule)[0].Labels;
        Assert.Equal(ThresholdLabeling.Label(cams, rule).Labels, labels);
        return labels;
    }

    /// <summary>The rule written pixel by pixel: what every backend must give.</summary>
    internal static byte[] ScalarDefinition(ClassMaps cams, BackgroundRule rule)
    {
        var fg = cams.ForegroundOnly();
        int n = fg.PixelCount;
        var labels = new byte[n];
        for (int p = 0; p < n; p++)
        {
            float m = float.NegativeInfinity;
            int a = 0;
            for (int c = 0; c < fg.Channels; c++)
                if (fg.Data[c * n + p] > m) { m = fg.Data[c * n + p]; a = c; }
            float bg = rule switch
            {
                BackgroundRule.Constant constant => constant.Threshold32,
                BackgroundRule.Power power => fg.Channels == 0 ? 1f : power.Score(m),
                _ => throw new ArgumentException("unknown rule"),
            };
            labels[p] = m > bg ? (byte)fg.LabelIds[a] : (byte)0;
        }
        return labels;
    }

    [Theory, AllBackends]
    public void Constant_threshold_gives_ties_to_background_and_first_argmax_among_classes(string backend)
    {
        // 1x4 image, classes 3 and 15 (VOC ids). Pixel 0: max 0.15 == t -> bg. Pixel 1: tie 0.5/0.5 -> first (3).
        // Pixel 2: 0.2 vs 0.9 -> 15. Pixel 3: both below -> bg.
        var cams = Cams([3, 15], 1, 4,
            0.15f, 0.5f, 0.2f, 0.01f,
            0.10f, 0.5f, 0.9f, 0.02f);
        Assert.Equal(new byte[] { 0, 3, 15, 0 }, Label(backend, cams, new BackgroundRule.Constant(0.15)));
    }

    [Theory, AllBackends]
    public void Constant_threshold_on_five_pixels_of_two_classes(string backend)
    {
        // 1x5 image, channels for classes 3 and 7; t = 0.5.
        // pixel 0: 0.6 vs 0.2 -> class 3; pixel 1: tie 0.7/0.7 -> first channel (3);
        // pixel 2: max 0.5 == t -> background; pixel 3: 0.1 vs 0.9 -> 7; pixel 4: 0.50001 -> 3.
        var cams = Cams([3, 7], 1, 5, 0.6f, 0.7f, 0.5f, 0.1f, 0.50001f, 0.2f, 0.7f, 0.3f, 0.9f, 0.0f);
        Assert.Equal(new byte[] { 3, 3, 0, 7, 3 }, Label(backend, cams, new BackgroundRule.Constant(0.5)));
    }

    [Theory, AllBackends]
    public void Threshold_is_compared_in_float32(string backend)
    {
        // 0.15 as float32 is 0.150000006; a score of exactly float32(0.15) must not beat it.
        var cams = Cams([1], 1, 2, 0.15f, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(0.15f) + 1));
        Assert.Equal(new byte[] { 0, 1 }, Label(backend, cams, new BackgroundRule.Constant(0.15)));
    }

    [Theory, AllBackends]
    public void Power_background_matches_psa_rule(string backend)
    {
        // bg = (1-m)^4. m=0.4: bg=0.1296 < 0.4 -> fg. m=0.1: bg=0.6561 -> bg. m=0.5: 0.0625 -> fg (second class wins).
        var cams = Cams([7, 9], 1, 3,
            0.4f, 0.1f, 0.3f,
            0.2f, 0.05f, 0.5f);
        Assert.Equal(new byte[] { 7, 0, 9 }, Label(backend, cams, new BackgroundRule.Power(4)));
    }

    [Theory, AllBackends]
    public void Power_background_of_alpha_two(string backend)
    {
        // alpha = 2: m = 0.5 -> bg 0.25 < 0.5 -> fg; m = 0.25 -> bg 0.5625 -> bg; m = 1 -> bg 0 -> fg.
        var cams = Cams([5], 1, 3, 0.5f, 0.25f, 1f);
        Assert.Equal(new byte[] { 5, 0, 5 }, Label(backend, cams, new BackgroundRule.Power(2)));
    }

    [Theory, AllBackends]
    public void Stored_background_channel_is_ignored_by_threshold_rule(string backend)
    {
        var cams = Cams([0, 5], 1, 2, 0.9f, 0.9f, 0.3f, 0.1f);
        Assert.Equal(new byte[] { 5, 0 }, Label(backend, cams, new BackgroundRule.Constant(0.2)));
    }

    [Theory, AllBackends]
    public void Image_without_classes_is_all_background(string backend)
    {
        var cams = Cams([], 2, 2);
        Assert.All(Label(backend, cams, new BackgroundRule.Constant(0)), l => Assert.Equal(0, l));
        Assert.All(Label(backend, cams, new BackgroundRule.Power(1)), l => Assert.Equal(0, l));
    }

    [Theory, AllBackends]
    public void Empty_batches_and_empty_images_are_fine(string backend)
    {
        var b = backends.Get(backend);
        Assert.Empty(ThresholdLabeling.Label(b, [], new BackgroundRule.Constant(0.1)));
        var empty = new ClassMaps([1], 0, 0, []);
        Assert.Empty(ThresholdLabeling.Label(b, [empty], new BackgroundRule.Constant(0.1))[0].Labels);
    }

    [Theory, AllBackends]
    public void Constant_threshold_matches_the_scalar_definition_on_random_odd_sized_batches(string backend)
    {
        var rng = new Random(11);
        var batch = RandomData.CamBatch(rng);
        foreach (double t in new[] { 0.0, 0.15, 0.3, 0.5, 0.95, 1.0 })
            AssertBatch(backend, batch, new BackgroundRule.Constant(t));
    }

    [Theory, AllBackends]
    public void Constant_threshold_matches_the_scalar_definition_on_vector_and_tail_lengths(string backend)
    {
        var rng = new Random(3);
        var batch = Enumerable.Range(0, 5).Select(i =>
        {
            int h = 3 + i * 7, w = 5 + i * 11;
            var data = new float[3 * h * w];
            for (int j = 0; j < data.Length; j++) data[j] = rng.NextSingle();
            return new ClassMaps([1, 8, 20], h, w, data);
        }).ToList();
        AssertBatch(backend, batch, new BackgroundRule.Constant(0.3));
    }

    [Theory, AllBackends]
    public void Power_background_matches_the_scalar_definition_for_integer_and_fractional_alpha(string backend)
    {
        var rng = new Random(12);
        var batch = RandomData.CamBatch(rng);
        // Values around the bg = m crossing of each alpha, where rounding decides the label.
        batch.Add(NearCrossing(rng, 4));
        batch.Add(NearCrossing(rng, 1.5));
        foreach (double alpha in new[] { 0.0, 1.0, 4.0, 16.0, 32.0, 64.0, 1.5, 2.7, 65.0 })
            AssertBatch(backend, batch, new BackgroundRule.Power(alpha));
    }

    private void AssertBatch(string backend, List<ClassMaps> batch, BackgroundRule rule)
    {
        var b = backends.Get(backend);
        var actual = ThresholdLabeling.Label(b, batch, rule);
        var cpu = b is CpuBackend ? actual : ThresholdLabeling.Label(backends.Cpu, batch, rule);
        Assert.Equal(batch.Count, actual.Length);
        for (int i = 0; i < batch.Count; i++)
        {
            var expected = ScalarDefinition(batch[i], rule);
            int mismatch = expected.AsSpan().CommonPrefixLength(actual[i].Labels);
            Assert.True(mismatch == expected.Length,
                $"image {i} ({batch[i].Height}x{batch[i].Width}) differs at pixel {mismatch} ({rule}, {backend})");
            Assert.Equal(cpu[i].Labels, actual[i].Labels);
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
}
