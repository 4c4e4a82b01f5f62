using System.CommandLine;
using System.Globalization;
using WsssGpuRefine.Datasets;
using WsssGpuRefine.Io;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class EvalCommand : ICliCommand
{
    public Command Build()
    {
        var cams = CommonOptions.Cams(required: false);
        var labels = new Option<DirectoryInfo?>("--labels") { Description = "label PNGs ID.png to score instead of CAMs" };
        var gt = CommonOptions.Gt(required: true);
        var list = CommonOptions.List();
        var threshold = new Option<double?>("--threshold") { Description = "IRN rule: constant background score (ties go to background)" };
        var bgPower = new Option<double?>("--bg-power") { Description = "PSA rule: background = (1 - max cam)^ALPHA" };
        var sweep = new Option<string?>("--sweep")
        {
            Description = $"START:STOP:STEP, every threshold in one pass (stop inclusive, at most {EvalOptions.MaxSweepThresholds}); reports the best",
        };
        // A bad sweep is a usage error (exit 2), found before anything is read or allocated.
        sweep.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            try
            {
                ParseSweep(result.Tokens[0].Value);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
        var overUnder = new Option<bool>("--over-under") { Description = "with --sweep: Puzzle-CAM's over/under-activation thresholds (FP ratio closest to 1.60x / 0.60x the best threshold's)" };
        var images = CommonOptions.Images(required: false);
        var batch = new BatchOptions();

        var command = new Command("eval", "Score CAM dumps (with a threshold, PSA power background or a sweep) or label PNGs against ground truth.")
        {
            cams, labels, gt, list, threshold, bgPower, sweep, overUnder, images,
        };
        batch.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var preset = batch.PresetOf(parse);
            int ruleCount = new object?[] { parse.GetValue(threshold), parse.GetValue(bgPower), parse.GetValue(sweep) }.Count(v => v is not null);
            string? sweepText = parse.GetValue(sweep);
            double? thresholdValue = parse.GetValue(threshold);
            bool overUnderWanted = parse.GetValue(overUnder);
            var ids = new Lazy<IReadOnlyList<string>>(() => DatasetInputs.ReadList(parse.GetValue(list)!.FullName));
            if (preset is not null && ruleCount == 0 && parse.GetValue(cams) is not null)
            {
                // The method's own CAM evaluation: its sweep where it sweeps, else its threshold. Random-walk score dumps
                // (Puzzle-CAM's rw dicts) have their own sweep and report over/under activation, as the method's
                // evaluation does for them; the first listed dump that exists tells which kind the folder holds.
                if (preset.EvalSweepRandomWalk is { } rwSweep
                    && ids.Value.Select(id => DatasetInputs.CamPath(parse.GetValue(cams)!.FullName, id)).FirstOrDefault(File.Exists) is { } firstDump
                    && CamDumpReader.HoldsRandomWalkScores(firstDump))
                {
                    sweepText = rwSweep.Value;
                    overUnderWanted = true;
                }
                else if (preset.EvalSweep is { } presetSweep) sweepText = presetSweep.Value;
                else if (preset.EvalThreshold is { } presetThreshold) thresholdValue = presetThreshold.Value;
                else throw new UsageException($"--method {preset.Name} has no CAM evaluation rule: give --threshold, --bg-power or --sweep");
                ruleCount = 1;
            }
            if (parse.GetValue(cams) is not null && ruleCount != 1)
                throw new UsageException("CAM evaluation needs exactly one of --threshold, --bg-power and --sweep");
            if (parse.GetValue(labels) is not null && ruleCount != 0)
                throw new UsageException("--threshold, --bg-power and --sweep apply to --cams, not --labels");
            if (parse.GetValue(overUnder) && sweepText is null)
                throw new UsageException("--over-under reports on a threshold sweep: it needs --sweep");
            // Every option value is checked before the list or any dump is read: a usage error reads nothing.
            BackgroundRule? rule = thresholdValue is { } t ? CliRunner.ForOption("--threshold", () => new BackgroundRule.Constant(t))
                     : parse.GetValue(bgPower) is { } a ? CliRunner.ForOption("--bg-power", () => new BackgroundRule.Power(a)) : null;
            var shard = batch.ShardOf(parse);
            batch.CheckJsonIsNoInput(parse, list);
            (string, string?)[] inputFolders =
                [("--gt", parse.GetValue(gt)?.FullName), ("--cams", parse.GetValue(cams)?.FullName),
                 ("--labels", parse.GetValue(labels)?.FullName), ("--images", parse.GetValue(images)?.FullName)];
            CliRunner.RefuseWritingIntoInputs(parse.GetValue(batch.Report), "--report", inputFolders);
            CliRunner.RefuseJsonNamingAnItem(parse.GetValue(batch.Json), inputFolders, ids.Value);
            var options = new EvalOptions
            {
                GroundTruthDirectory = parse.GetValue(gt)!.FullName,
                Ids = ids.Value,
                CamsDirectory = parse.GetValue(cams)?.FullName,
                LabelsDirectory = parse.GetValue(labels)?.FullName,
                Classes = parse.GetValue(batch.Classes),
                Rule = rule,
                SweepThresholds = sweepText is { } s ? ParseSweep(s) : null,
                Metric = batch.MetricOf(parse, preset),
                Format = batch.FormatOf(parse, preset),
                ClassLabelsFile = parse.GetValue(batch.ClassLabels)?.FullName,
                ClassLabelsCountDifficult = preset?.CountDifficult.Value ?? true,
                KeepGoing = parse.GetValue(batch.KeepGoing),
                BatchSize = parse.GetValue(batch.BatchSize),
                Shard = shard,
                MaxDumpElements = parse.GetValue(batch.MaxDumpElements),
            };
            using var computeBackend = CliRunner.CreateBackend(parse.GetValue(batch.Backend));
            var result = ProgressDisplay.Run("eval", options.Shard.Select(options.Ids).Count,
                progress => EvalJob.Run(computeBackend, options, progress, line => Console.Error.WriteLine(line)));
            if (overUnderWanted && result.Sweep is { } points && result.SweepConfusion is { } matrices)
                result = result with
                {
                    OverUnder = Metrics.ActivationBalance.From(points.Select(p => p.Threshold).ToArray(),
                        matrices.Select(m => new Confusion.ConfusionMatrix(m.Length, m.SelectMany(row => row).ToArray())).ToArray()),
                };
            PrintTable(result, options.Classes);
            if (result.OverUnder is { } balance)
                foreach (var (name, point) in new[] { ("Best", balance.Best), ("Over", balance.Over), ("Under", balance.Under) })
                    Console.WriteLine(FormattableString.Invariant($"{name} Th={point.Threshold:F2}, mIoU={point.MeanIou:F3}%, FP={point.FalsePositive:F4}"));
            if (parse.GetValue(batch.Json) is { } jsonFile) AtomicFileWriter.WriteAllText(jsonFile.FullName, result.ToJson());
            if (parse.GetValue(batch.Report) is { } reportDirectory)
                Reports.RunReport.Write(reportDirectory.FullName, result, options.Classes, options.Shard.Select(options.Ids),
                    parse.GetValue(images)?.FullName, options.CamsDirectory, options.Format, options.GroundTruthDirectory,
                    options.LabelsDirectory is { } labelsDirectory ? Reports.RunReport.FromDirectory(labelsDirectory) : Reports.RunReport.FromRule(result));
            return CliRunner.ReportFailures(result.Failures);
        }));
        return command;
    }

    internal static double[] ParseSweep(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3 || !parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"--sweep: expected START:STOP:STEP, e.g. 0:0.59:0.01, not '{text}'");
        var v = parts.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (!v.All(double.IsFinite)) throw new ArgumentException($"--sweep: START, STOP and STEP must be finite numbers, not '{text}'");
        if (!(v[2] > 0) || v[1] < v[0]) throw new ArgumentException($"--sweep: need STEP > 0 and STOP >= START, not '{text}'");
        // Counted before anything is allocated: 0:1:1e-7 would be 10 million thresholds (a histogram of 35 GB).
        double count = Math.Floor((v[1] - v[0]) / v[2] + 1e-9) + 1;
        if (!(count <= EvalOptions.MaxSweepThresholds))
            throw new ArgumentException($"--sweep: '{text}' gives {count.ToString("G6", CultureInfo.InvariantCulture)} thresholds; " +
                                        $"at most {EvalOptions.MaxSweepThresholds} are swept at once (e.g. 0:1:0.001)");
        return Sweep.ThresholdSweep.Range(v[0], v[1], v[2]);
    }

    internal static void PrintTable(EvalReport report, int classes)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{"class",-14} {"IoU %",8}");
        for (int c = 0; c < report.Iou.Length; c++)
        {
            string value = report.Iou[c] is { } v ? (100 * v).ToString("F2", inv) : "-";
            Console.WriteLine($"{Voc2012.NameOf(c, classes),-14} {value,8}");
        }
        string setting = report.Threshold is { } th ? $", threshold {th.ToString(inv)}"
                       : report.BackgroundPower is { } bp ? $", bg-power {bp.ToString(inv)}" : "";
        string miou = double.IsFinite(report.MeanIou) ? (100 * report.MeanIou).ToString("F2", inv) + " %" : "- (no class counted)";
        Console.WriteLine($"mIoU {miou} ({report.Metric}, {report.Images} images{setting}, backend {report.Backend})");
    }
}
