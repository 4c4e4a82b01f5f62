using System.CommandLine;
using System.Text.Json;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io;
using WsssGpuRefine.Jobs;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class MergeCommand : ICliCommand
{
    public Command Build()
    {
        var reports = new Argument<FileInfo[]>("reports") { Description = "the --json reports of the shards (wsss eval --shard K/N)", Arity = ArgumentArity.OneOrMore };
        var json = CommonOptions.Json();
        var partial = new Option<bool>("--partial") { Description = "merge even when shards K/N of the split are missing (the numbers then cover only the shards given)" };
        var command = new Command("merge", "Sum the confusion matrices of shard reports into the final report (same numbers as one run).") { reports, json, partial };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var files = parse.GetValue(reports)!;
            CliRunner.RefuseReplacingInputs(parse.GetValue(json), "--json", files.Select(f => ($"the report {f.Name} being merged", (string?)f.FullName)).ToArray());
            var loaded = files.Select(f => (f.FullName, Load(f))).ToArray();
            var merged = ReportMerge.Merge(loaded, parse.GetValue(partial));
            EvalCommand.PrintTable(merged, merged.Confusion.Length);
            if (parse.GetValue(json) is { } jsonFile) AtomicFileWriter.WriteAllText(jsonFile.FullName, merged.ToJson());
            return CliRunner.ReportFailures(merged.Failures);
        }));
        return command;
    }

    /// <summary>
    /// The largest report merged, 1 GiB: a sweep of the most thresholds (1,001) over 255 classes writes about 400 MB of
    /// confusion matrices; VOC's 60-threshold sweep, about 200 KB.
    /// </summary>
    private const long MaxReportBytes = 1L << 30;

    private static EvalReport Load(FileInfo file)
    {
        if (!file.Exists) throw new WsssInputException(file.FullName, "file not found");
        try
        {
            // A report is a file of its own, as an item's (an empty file, a pipe or a device is refused), read with a bound.
            return EvalReport.FromJson(Io.InputFile.ReadItem(file.FullName, () => Io.InputFile.ReadText(file.FullName, MaxReportBytes, "a wsss report")));
        }
        catch (JsonException e)
        {
            throw new WsssInputException(file.FullName, $"not a wsss report: {e.Message}");
        }
    }
}
