using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Tests.Threshold;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Confusion;

/// <summary>
/// <see cref="ThresholdConfusion"/> on every backend (the fused CAM-to-matrix pass on the GPU): the matrix must be
/// the one the labels of <see cref="ThresholdLabeling"/> counted by <see cref="ConfusionCounting"/> give.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class ThresholdConfusionTests(VulkanFixture backends)
{
    [Theory, AllBackends]
    public void Two_images_worked_by_hand(string backend)
    {
        // Image 1 (1x5, classes 3 and 7, K = 8, t = 0.5): labels 3 3 0 7 3 (see ThresholdLabelingTests), gt 3 7 0 255 0
        // -> (3,3) (7,3) (0,0) [gt 255 dropped] (0,3).
        var a = new CamWithGroundTruth(new ClassMaps([3, 7], 1, 5, [0.6f, 0.7f, 0.5f, 0.1f, 0.50001f, 0.2f, 0.7f, 0.3f, 0.9f, 0.0f]),
            new LabelMap(1, 5, [3, 7, 0, 255, 0]));
        // Image 2 (2x2, one class 1, a stored background channel that is ignored): scores 0.9 0.1 0.5 0.51 -> 1 0 0 1;
        // gt 1 1 0 0 -> (1,1) (1,0) (0,0) (0,1).
        var b = new CamWithGroundTruth(new ClassMaps([0, 1], 2, 2, [1f, 1f, 1f, 1f, 0.9f, 0.1f, 0.5f, 0.51f]),
            new LabelMap(2, 2, [1, 1, 0, 0]));
        var m = ThresholdConfusion.Count(backends.Get(backend), [a, b], new BackgroundRule.Constant(0.5), new ConfusionOptions(8));
        var expected = new long[64];
        expected[3 * 8 + 3] = 1;
        expected[7 * 8 + 3] = 1;
        expected[0 * 8 + 0] = 2;
        expected[0 * 8 + 3] = 1;
        expected[1 * 8 + 1] = 1;
        expected[1 * 8 + 0] = 1;
        expected[0 * 8 + 1] = 1;
        Assert.Equal(expected, m.Counts);
    }

    public static IEnumerable<object[]> RulesOnEveryBackend =>
        AllBackendsAttribute.Cross([["t", 0.0], ["t", 0.15], ["t", 0.5], ["t", 1.0], ["power", 4.0], ["power", 1.5]]);

    [Theory, MemberData(nameof(RulesOnEveryBackend))]
    public void Equals_labelling_then_counting(string backend, string kind, double value)
    {
        var rng = new Random(17);
        BackgroundRule rule = kind == "t" ? new BackgroundRule.Constant(value) : new BackgroundRule.Power(value);
        var items = RandomData.CamBatch(rng).Select(c => new CamWithGroundTruth(c, RandomData.Labels(rng, c.Height, c.Width, 21))).ToList();
        foreach (var mode in new[] { PredictedIgnore.CountAsBackground, PredictedIgnore.Skip })
        {
            var options = new ConfusionOptions(21, mode);
            var pairs = items.Select(i => new LabelPair(new LabelMap(i.Cams.Height, i.Cams.Width, ThresholdLabelingTests.ScalarDefinition(i.Cams, rule)), i.GroundTruth));
            var expected = ConfusionCountingTests.ScalarDefinition(pairs, options);
            var actual = ThresholdConfusion.Count(backends.Get(backend), items, rule, options).Counts;
            Assert.True(expected.SequenceEqual(actual), $"{rule} {mode} on {backend}");
            Assert.True(ThresholdConfusion.Count(backends.Cpu, items, rule, options).Counts.SequenceEqual(actual), $"{rule} {mode} on {backend} vs cpu");
        }
    }

    [Theory, AllBackends]
    public void Rejects_out_of_range_labels_and_size_mismatch_like_the_two_steps(string backend)
    {
        var b = backends.Get(backend);
        var cams = new ClassMaps([1], 1, 2, [0.9f, 0.1f]);
        var badGt = new CamWithGroundTruth(cams, new LabelMap(1, 2, [0, 40]));
        var e = Assert.Throws<WsssInputException>(() => ThresholdConfusion.Count(b, [badGt], new BackgroundRule.Constant(0.5), new ConfusionOptions(21)));
        Assert.Equal("ground-truth label 40 is outside 0..20 and is not 255 (check --classes)", e.Reason);
        var badClass = new CamWithGroundTruth(new ClassMaps([30], 1, 2, [0.9f, 0.1f]), new LabelMap(1, 2, [0, 1]));
        e = Assert.Throws<WsssInputException>(() => ThresholdConfusion.Count(b, [badClass], new BackgroundRule.Constant(0.5), new ConfusionOptions(21)));
        Assert.Equal("predicted label 30 is outside 0..20 and is not 255 (check --classes)", e.Reason);
        var mismatch = new CamWithGroundTruth(cams, new LabelMap(2, 1));
        e = Assert.Throws<WsssInputException>(() => ThresholdConfusion.Count(b, [mismatch], new BackgroundRule.Constant(0.5), new ConfusionOptions(21)));
        Assert.Equal("prediction is 2x1 but ground truth is 1x2", e.Reason);
    }
}
