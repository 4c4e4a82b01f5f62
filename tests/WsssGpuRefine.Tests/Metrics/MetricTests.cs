using WsssGpuRefine.Confusion;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Tests.Metrics;

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
}
