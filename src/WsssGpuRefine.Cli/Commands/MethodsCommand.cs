using System.CommandLine;
using System.Globalization;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Methods;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Cli.Commands;

/// <summary><c>wsss methods [NAME]</c>: every method preset in one table, or one preset with its upstream citations.</summary>
internal sealed class MethodsCommand : ICliCommand
{
    public Command Build()
    {
        var name = new Argument<string?>("NAME") { Description = "one method, printed with the upstream line of every value", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("methods", "List the --method presets (format, label rule, random walk, CRF, metric, sweep, outputs).") { name };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            if (parse.GetValue(name) is { } one) PrintOne(MethodPresets.Get(one));
            else PrintTable();
            return 0;
        }));
        return command;
    }

    private static void PrintTable()
    {
        string[] header = ["method", "format", "eval", "metric", "labels", "rw", "crf", "png", "scores"];
        var rows = MethodPresets.All.Select(p => new[]
        {
            p.Name, p.Format?.Value ?? "-", Eval(p) ?? "-", SegmentationMetrics.Name(p.Metric.Value), Labels(p) ?? "-",
            p.RandomWalk?.Value ?? "-", p.Crf?.Value ?? (p.RefineCrf?.Value is { } rc ? rc.Replace("preset=", "") : "-"), PngName(p.Png.Value), ScoreFileWriter.Name(p.Scores.Value),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var r in rows) Console.WriteLine(string.Join("  ", r.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        Console.WriteLine("`wsss methods NAME` prints one preset with the upstream line of every value.");
    }

    private static void PrintOne(MethodPreset p)
    {
        Console.WriteLine($"{p.Name}: {p.Title}");
        void Line<T>(string what, Cited<T>? value, Func<T, string> show)
        {
            if (value is not null) Console.WriteLine($"  {what,-16} {show(value.Value),-24} {value.Source}");
        }
        Line("format", p.Format, v => v);
        Line("eval sweep", p.EvalSweep, v => v);
        Line("eval threshold", p.EvalThreshold, Number);
        Line("metric", p.Metric, SegmentationMetrics.Name);
        Line("eval data", p.EvalData, v => v);
        Line("ir-label", p.IrLabel, v => $"{Number(v.Fg)},{Number(v.Bg)}");
        Line("la-ha", p.LaHa, v => $"{Number(v.Low)},{Number(v.High)}");
        Line("icd-seeds", p.IcdSeeds, _ => "yes (--icd-seeds DIR)");
        Line("refine rule", p.RefineThreshold, v => $"threshold {Number(v)}");
        Line("crf after rule", p.RefineCrf, v => v);
        Line("crf", p.Crf, v => v);
        Line("rw preset", p.RandomWalk, v => v);
        Line("crf after rw", p.RandomWalkCrf, v => v);
        Line("crf labels", p.CrfLabelSuffix, v => $"ID{v}.png (ID.png: the walk)");
        Line("png", p.Png, PngName);
        Line("scores", p.Scores, ScoreFileWriter.Name);
        Line("xml difficult", p.CountDifficult, v => v ? "counted" : "not counted");
        foreach (var s in p.Scripts) Console.WriteLine($"  replaces {s.Script}:\n    {s.Command}");
    }

    private static string? Eval(MethodPreset p) =>
        p.EvalSweep is { } s ? $"sweep {s.Value}" : p.EvalThreshold is { } t ? $"threshold {Number(t.Value)}" : null;

    private static string? Labels(MethodPreset p) =>
        p.IrLabel is { } ir ? $"ir-label {Number(ir.Value.Fg)},{Number(ir.Value.Bg)}"
        : p.LaHa is { } lh ? $"la-ha {Number(lh.Value.Low)},{Number(lh.Value.High)}"
        : p.IcdSeeds is not null ? "icd-seeds"
        : p.RefineThreshold is { } t ? $"threshold {Number(t.Value)}" : null;

    internal static string PngName(LabelPngFlavour flavour) => flavour == LabelPngFlavour.Gray ? "gray" : "palette";

    private static string Number(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
    private static string Number(float v) => ((double)(decimal)v).ToString("0.###", CultureInfo.InvariantCulture);
}
