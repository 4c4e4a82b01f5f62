using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Evaluation;

public class ThresholdTests
{
    private static ClassMaps Cams(int[] ids, int h, int w, params float[] data) => new(ids, h, w, data);

    [Fact]
    public void Constant_threshold_gives_ties_to_background_and_first_argmax_among_classes()
    {
        // 1x4 image, classes 3 and 15 (VOC ids). Pixel 0: max 0.15 == t -> bg. Pixel 1: tie 0.5/0.5 -> first (3).
        // Pixel 2: 0.2 vs 0.9 -> 15. Pixel 3: both below -> bg.
        var cams = Cams([3, 15], 1, 4,
            0.15f, 0.5f, 0.2f, 0.01f,
            0.10f, 0.5f, 0.9f, 0.02f);
        var labels = ThresholdLabeling.Label(cams, new BackgroundRule.Constant(0.15));
        Assert.Equal(new byte[] { 0, 3, 15, 0 }, labels.Labels);
    }

    [Fact]
    public void Threshold_is_compared_in_float32()
    {
        // 0.15 as float32 is 0.150000006; a score of exactly float32(0.15) must not beat it.
        var cams = Cams([1], 1, 2, 0.15f, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(0.15f) + 1));
        var labels = ThresholdLabeling.Label(cams, new BackgroundRule.Constant(0.15));
        Assert.Equal(new byte[] { 0, 1 }, labels.Labels);
    }

    [Fact]
    public void Power_background_matches_psa_rule()
    {
        // bg = (1-m)^4. m=0.4: bg=0.1296 < 0.4 -> fg. m=0.1: bg=0.6561 -> bg. m=0.5: 0.0625 -> fg (second class wins).
        var cams = Cams([7, 9], 1, 3,
            0.4f, 0.1f, 0.3f,
            0.2f, 0.05f, 0.5f);
        var labels = ThresholdLabeling.Label(cams, new BackgroundRule.Power(4));
        Assert.Equal(new byte[] { 7, 0, 9 }, labels.Labels);
    }

    [Fact]
    public void Stored_background_channel_is_ignored_by_threshold_rule()
    {
        var cams = Cams([0, 5], 1, 2, 0.9f, 0.9f, 0.3f, 0.1f);
        var labels = ThresholdLabeling.Label(cams, new BackgroundRule.Constant(0.2));
        Assert.Equal(new byte[] { 5, 0 }, labels.Labels);
    }

    [Fact]
    public void Image_without_classes_is_all_background()
    {
        var cams = Cams([], 2, 2);
        Assert.All(ThresholdLabeling.Label(cams, new BackgroundRule.Constant(0)).Labels, l => Assert.Equal(0, l));
        Assert.All(ThresholdLabeling.Label(cams, new BackgroundRule.Power(1)).Labels, l => Assert.Equal(0, l));
    }

    [Fact]
    public void Batch_on_cpu_backend_equals_single_image_path_on_vector_and_tail_lengths()
    {
        var rng = new Random(3);
        var batch = Enumerable.Range(0, 5).Select(i =>
        {
            int h = 3 + i * 7, w = 5 + i * 11;
            var data = new float[3 * h * w];
            for (int j = 0; j < data.Length; j++) data[j] = rng.NextSingle();
            return new ClassMaps([1, 8, 20], h, w, data);
        }).ToArray();
        var outputs = ThresholdLabeling.Label(CpuBackend.Shared, batch, new BackgroundRule.Constant(0.3));
        for (int i = 0; i < batch.Length; i++)
        {
            var c = batch[i];
            for (int p = 0; p < c.PixelCount; p++)
            {
                float m = float.NegativeInfinity; int a = 0;
                for (int k = 0; k < 3; k++) if (c.Data[k * c.PixelCount + p] > m) { m = c.Data[k * c.PixelCount + p]; a = k; }
                Assert.Equal(m > 0.3f ? c.LabelIds[a] : 0, outputs[i].Labels[p]);
            }
        }
    }
}
