using System.Text.Json.Nodes;
using WsssGpuRefine.Jobs;

namespace WsssGpuRefine.Tests.Jobs;

/// <summary>
/// The report's JSON goes through compile-time metadata (<c>EvalReportJsonContext</c>, for NativeAOT builds); these
/// hold the layout the CLI contract gives, which reflection used to produce: snake_case keys from the attributes,
/// NaN as null, nulls left out where the contract says so.
/// </summary>
public class EvalReportJsonTests
{
    [Fact]
    public void A_NaN_miou_is_written_as_null_and_read_back_as_NaN_and_unset_optional_keys_are_left_out()
    {
        var report = new EvalReport
        {
            MeanIou = double.NaN, Iou = [null, 0.5], Images = 2, Confusion = [[1, 0], [0, 1]],
            Sweep = [new SweepPoint(0.1, double.NaN), new SweepPoint(0.2, 0.25)],
        };
        string json = report.ToJson();
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.True(node.ContainsKey("miou"));
        Assert.Null(node["miou"]);
        Assert.Null(node["sweep"]![0]!["miou"]);
        Assert.Equal(0.25, node["sweep"]![1]!["miou"]!.GetValue<double>());
        Assert.Null(node["iou"]![0]);
        Assert.False(node.ContainsKey("threshold"));
        Assert.False(node.ContainsKey("bg_power"));
        Assert.False(node.ContainsKey("format"));

        var back = EvalReport.FromJson(json);
        Assert.True(double.IsNaN(back.MeanIou));
        Assert.True(double.IsNaN(back.Sweep![0].MeanIou));
        Assert.Equal(0.25, back.Sweep[1].MeanIou);
        Assert.Equal(new double?[] { null, 0.5 }, back.Iou);
        Assert.Equal(2, back.Images);
    }

    [Fact]
    public void The_NaN_strings_of_older_reports_read_as_NaN()
    {
        string old = new EvalReport { MeanIou = 0.5, Confusion = [[1]] }.ToJson().Replace("\"miou\": 0.5", "\"miou\": \"NaN\"", StringComparison.Ordinal);
        Assert.Contains("\"NaN\"", old);
        Assert.True(double.IsNaN(EvalReport.FromJson(old).MeanIou));
    }
}
