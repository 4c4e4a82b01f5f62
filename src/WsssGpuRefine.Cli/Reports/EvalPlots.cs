using System.Globalization;
using System.Text;
using WsssGpuRefine.Datasets;
using WsssGpuRefine.Io;
using WsssGpuRefine.Jobs;

namespace WsssGpuRefine.Cli.Reports;

/// <summary>
/// The pictures and table of a scoring run (<c>--report DIR</c>): per-class IoU as a Markdown table and as bars,
/// and the mIoU-vs-threshold curve of a sweep, drawn with ScottPlot.
/// </summary>
internal static class EvalPlots
{
    public static IReadOnlyList<string> Write(string directory, EvalReport report, int classes)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        string table = Path.Combine(directory, "report.md");
        AtomicFileWriter.WriteAllText(table, Table(report, classes));
        written.Add(table);
        written.Add(ClassBars(Path.Combine(directory, "class_iou.png"), report, classes));
        if (report.Sweep is { Length: > 1 }) written.Add(SweepCurve(Path.Combine(directory, "miou_vs_threshold.png"), report));
        return written;
    }

    internal static string Table(EvalReport report, int classes)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# Scores ({report.Metric}, {report.Images} images, backend {report.Backend})");
        sb.AppendLine();
        sb.AppendLine($"mIoU: **{(100 * report.MeanIou).ToString("F2", inv)} %**" +
                      (report.Threshold is { } t ? $" at threshold {t.ToString(inv)}" : ""));
        sb.AppendLine();
        sb.AppendLine("| class | IoU % |");
        sb.AppendLine("|---|---:|");
        for (int c = 0; c < report.Iou.Length; c++)
            sb.AppendLine($"| {Voc2012.NameOf(c, classes)} | {(report.Iou[c] is { } v ? (100 * v).ToString("F2", inv) : "-")} |");
        return sb.ToString();
    }

    private static string ClassBars(string path, EvalReport report, int classes)
    {
        var plot = new ScottPlot.Plot();
        // Classes whose IoU is undefined (absent from GT and prediction) get no bar rather than a misleading 0.
        var defined = Enumerable.Range(0, report.Iou.Length).Where(i => report.Iou[i].HasValue).ToArray();
        var bars = plot.Add.Bars(defined.Select(i => (double)i).ToArray(), defined.Select(i => 100 * report.Iou[i]!.Value).ToArray());
        bars.Color = ScottPlot.Color.FromHex("#3b75af");
        var ticks = Enumerable.Range(0, report.Iou.Length)
            .Select(i => new ScottPlot.Tick(i, Voc2012.NameOf(i, classes) + (report.Iou[i].HasValue ? "" : " (n/a)"))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 90;
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsY(0, 100);
        plot.YLabel("IoU (%)");
        plot.Title($"Per-class IoU, mIoU {100 * report.MeanIou:F2} % ({report.Metric})");
        SavePngAtomically(plot, path, 1000, 500);
        return path;
    }

    private static string SweepCurve(string path, EvalReport report)
    {
        var plot = new ScottPlot.Plot();
        var xs = report.Sweep!.Select(p => p.Threshold).ToArray();
        var ys = report.Sweep!.Select(p => 100 * p.MeanIou).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = "mIoU";
        if (report.Threshold is { } best)
        {
            var marker = plot.Add.VerticalLine(best);
            marker.LegendText = $"best {best.ToString(CultureInfo.InvariantCulture)} ({100 * report.MeanIou:F2} %)";
            marker.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.XLabel("background threshold");
        plot.YLabel("mIoU (%)");
        plot.Title($"mIoU vs threshold ({report.Metric}, {report.Images} images)");
        plot.ShowLegend();
        SavePngAtomically(plot, path, 800, 500);
        return path;
    }

    private static void SavePngAtomically(ScottPlot.Plot plot, string path, int width, int height)
    {
        byte[] png = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        AtomicFileWriter.Write(path, s => s.Write(png));
    }
}
