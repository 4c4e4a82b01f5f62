using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Tests.Evaluation;

public class MetricTests
{
    // The hand-worked case of every metric below, rows = GT: gt0 -> [3,1,0,0]; gt1 -> [0,2,1,0];
    // class 2 is predicted once but absent from the GT; class 3 never appears.
    private static ConfusionMatrix HandWorked() => new(4,
    [
        3, 1, 0, 0,
        0, 2, 1, 0,
        0, 0, 0, 0,
        0, 0, 0, 0,
    ]);

    [Fact]
    public void Chainercv_skips_undefined_classes_and_counts_predicted_only_as_zero()
    {
        var m = HandWorked();
        var r = SegmentationMetrics.Compute(m, SegmentationMetric.Chainercv);
        // IoU0 = 3/(4+3-3)=0.75; IoU1 = 2/(3+3-2)=0.5; IoU2 = 0/(0+1-0)=0 (predicted only); IoU3 undefined.
        Assert.Equal(0.75, r.Iou[0]!.Value, 12);
        Assert.Equal(0.5, r.Iou[1]!.Value, 12);
        Assert.Equal(0.0, r.Iou[2]!.Value, 12);
        Assert.Null(r.Iou[3]);
        Assert.Equal((0.75 + 0.5 + 0.0) / 3, r.MeanIou, 12);
    }

    [Fact]
    public void Seam_averages_over_all_classes_with_epsilon()
    {
        var m = HandWorked();
        var r = SegmentationMetrics.Compute(m, SegmentationMetric.Seam);
        Assert.Equal(3 / (4.0 + 1e-10), r.Iou[0]!.Value, 12);
        Assert.Equal(0.0, r.Iou[3]!.Value, 12);
        Assert.Equal((3 / (4 + 1e-10) + 2 / (4 + 1e-10) + 0 + 0) / 4, r.MeanIou, 12);
    }

    [Fact]
    public void GtPresent_averages_only_over_classes_in_ground_truth()
    {
        var m = HandWorked();
        var r = SegmentationMetrics.Compute(m, SegmentationMetric.GtPresent);
        Assert.Equal((0.75 + 0.5) / 2, r.MeanIou, 12);
    }

    [Fact]
    public void Confusion_counts_rows_as_ground_truth_and_ignores_gt_255()
    {
        var gt = new LabelMap(2, 3, [0, 0, 1, 255, 1, 2]);
        var pred = new LabelMap(2, 3, [0, 1, 1, 2, 255, 2]);
        var asBackground = ConfusionCounting.Count(pred, gt, new ConfusionOptions(3));
        // gt0: pred 0,1 ; gt1: pred 1, 255->0 ; gt2: pred 2 ; the gt-255 pixel is dropped.
        Assert.Equal(new long[] { 1, 1, 0, 1, 1, 0, 0, 0, 1 }, asBackground.Counts);
        var skipping = ConfusionCounting.Count(pred, gt, new ConfusionOptions(3, PredictedIgnore.Skip));
        Assert.Equal(new long[] { 1, 1, 0, 0, 1, 0, 0, 0, 1 }, skipping.Counts);
    }

    [Fact]
    public void Confusion_vector_path_equals_scalar_definition_on_long_maps()
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
        var m = ConfusionCounting.Count(new LabelMap(h, w, pred), new LabelMap(h, w, gt), new ConfusionOptions(5));
        Assert.Equal(expected, m.Counts);
    }

    [Fact]
    public void Confusion_rejects_labels_beyond_the_class_count()
    {
        var gt = new LabelMap(1, 2, [0, 30]);
        var pred = new LabelMap(1, 2, [0, 0]);
        var e = Assert.Throws<WsssInputException>(() => ConfusionCounting.Count(pred, gt, new ConfusionOptions(21)));
        Assert.Contains("ground-truth label 30", e.Message);
    }

    [Fact]
    public void Confusion_rejects_size_mismatch()
    {
        var e = Assert.Throws<WsssInputException>(() =>
            ConfusionCounting.Count(new LabelMap(2, 2), new LabelMap(2, 3), new ConfusionOptions(21)));
        Assert.Contains("2x2", e.Message);
    }

    [Fact]
    public void Batch_counting_on_the_cpu_backend_throws_the_input_error_itself()
    {
        var good = new LabelPair(new LabelMap(1, 2, [0, 1]), new LabelMap(1, 2, [0, 1]));
        var bad = new LabelPair(new LabelMap(1, 2, [0, 0]), new LabelMap(1, 2, [0, 40]));
        var e = Assert.Throws<WsssInputException>(() =>
            ConfusionCounting.Count(WsssGpuRefine.Backends.CpuBackend.Shared, [good, bad, good], new ConfusionOptions(21)));
        Assert.Contains("ground-truth label 40", e.Message);
    }
}
