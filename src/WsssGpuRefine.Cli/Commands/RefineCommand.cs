using System.CommandLine;
using System.Text.Json.Nodes;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Io;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Methods;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class RefineCommand : ICliCommand
{
    public Command Build()
    {
        var cams = CommonOptions.Cams(required: true);
        var images = CommonOptions.Images(required: false);
        var list = CommonOptions.List();
        var output = new Option<DirectoryInfo>("--out") { Description = "output folder: ID.png label maps (palette or --png gray; 255 = ignore)", Required = true };
        var threshold = new Option<double?>("--threshold") { Description = "first stage: constant background (IRN rule)" };
        var bgPower = new Option<double?>("--bg-power") { Description = "first stage: PSA background (1 - max)^A; with --rw, AffinityNet's alpha" };
        var irLabel = new Option<string?>("--ir-label") { Description = "FG,BG: IRN's confident-region label (255 where unsure) through the label CRF (--crf, default irn)" };
        var laHa = new Option<string?>("--la-ha") { Description = "LOW,HIGH: PSA's la/ha labels from two power-background CRFs (--crf, default psa), e.g. 4,32 (SEAM 4,24)" };
        var laHaStride = new Option<int?>("--la-ha-stride") { Description = "with --la-ha: 8 writes the label map AffinityNet trains on (la/ha CRFs pooled 8x8 as PSA's train_aff.py does)" };
        var reliableRegions = new Option<string?>("--reliable-regions") { Description = "rrm | wsgcn: RRM's reliable regions (la/ha CRFs, CAM percentile, 0.8 confidence; --crf default psa) or WSGCN's stride-4 partial labels (--crf default wsgcn-partial)" };
        var besBoundary = new Option<bool>("--bes-boundary") { Description = "BES's boundary labels from its ir_label (0.30,0.07; --crf default irn): 0 bg, 50 fg, 100 fg-fg, 150 fg-bg boundary, 200 ignore" };
        var icdSeeds = new Option<DirectoryInfo?>("--icd-seeds") { Description = "ICD's seeds from this scores_icd folder (--cams is scores_cam); with --crf icd, ICD's seed CRF" };
        var rw = new Option<string?>("--rw") { Description = "random walk affinity: image | boundary:DIR | features:DIR | matrix:DIR" };
        var rwPreset = new Option<string?>("--rw-preset") { Description = $"random-walk recipe defaults: {string.Join(", ", RandomWalkOptions.PresetNames)} (default irn)" };
        var rwBeta = new Option<float?>("--rw-beta") { Description = "affinity exponent beta (IRN 10)" };
        var rwExp = new Option<int?>("--rw-exp-times") { Description = "T^(2^exp_times) (IRN 8)" };
        var rwRadius = new Option<int?>("--rw-radius") { Description = "neighbourhood radius (IRN 5)" };
        var rwBg = new Option<float?>("--rw-bg-threshold") { Description = "background score after the walk (IRN 0.25)" };
        var rwStride = new Option<int?>("--rw-stride") { Description = "grid stride a full-resolution CAM is pooled to (default 4)" };
        var crf = new Option<string?>("--crf") { Description = $"CRF preset: {string.Join(", ", CrfParameters.PresetNames)}" };
        var crfParams = new Option<string?>("--crf-params") { Description = "explicit CRF parameters, e.g. \"gauss=3,3;bilateral=50,5,10;iters=10;unary=labels:0.7\"" };
        var crfSuffix = new Option<string?>("--crf-suffix")
        {
            Description = "with a CRF after --threshold/--rw: ID.png keeps the labels before the CRF and IDSUFFIX.png gets the CRF's (BES: _crf, the --method bes default); none: the CRF's labels as ID.png",
        };
        var gt = CommonOptions.Gt(required: false);
        var saveScores = new Option<bool>("--save-scores") { Description = "also write ID.npy scores (background, then the present classes; the CRF's marginals after --crf) in --scores-layout" };
        var scoresLayout = new Option<string?>("--scores-layout") { Description = "array: float32 (C+1,H,W); bg-fg: PSA's {0: bg, c+1: map} dict; puzzlecam: {\"keys\", \"rw\"} (default: the --method's, else array)" };
        var png = CommonOptions.Png();
        var overwrite = new Option<bool>("--overwrite") { Description = "recompute outputs that already exist (default: resume by skipping them)" };
        var maxMemory = new Option<long?>("--max-memory") { Description = "MiB the images computed at once may take (default: half of the machine's or container's memory); large images then run fewer at a time" };
        var batch = new BatchOptions();

        var command = new Command("refine", "Turn CAM dumps into pseudo-label PNGs: threshold / ir-label, random walk, CRF, in that order.")
        {
            cams, images, list, output, threshold, bgPower, irLabel, laHa, laHaStride, reliableRegions, besBoundary, icdSeeds, rw, rwPreset, rwBeta, rwExp, rwRadius, rwBg, rwStride, crf, crfParams, crfSuffix,
            gt, saveScores, scoresLayout, png, overwrite, maxMemory,
        };
        batch.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            if (parse.GetValue(crf) is not null && parse.GetValue(crfParams) is not null)
                throw new UsageException("give --crf PRESET or --crf-params, not both");
            if (parse.GetValue(threshold) is not null && parse.GetValue(bgPower) is not null)
                throw new UsageException("give --threshold or --bg-power, not both");
            var preset = batch.PresetOf(parse);
            var explicitCrf = parse.GetValue(crf) is { } crfPreset ? CliRunner.ForOption("--crf", () => CrfParameters.Preset(crfPreset))
                            : parse.GetValue(crfParams) is { } text ? CliRunner.ForOption("--crf-params", () => CrfParameters.Parse(text)) : null;
            var source = parse.GetValue(rw) is { } rwText ? CliRunner.ForOption("--rw", () => AffinitySource.Parse(rwText)) : null;
            bool explicitStage = new object?[] { parse.GetValue(threshold), parse.GetValue(bgPower), parse.GetValue(irLabel), parse.GetValue(laHa), parse.GetValue(icdSeeds), source,
                    parse.GetValue(reliableRegions), parse.GetValue(besBoundary) ? true : null }
                .Any(v => v is not null);
            // The method's own pseudo-label rule applies when no stage is given: ir_label, la/ha, or a threshold. A CRF
            // given alone keeps it only when it fits the rule (a label CRF for ir_label, a score CRF for la/ha);
            // otherwise the CRF runs on the dump's own [bg; fg] stack (bg+fg dicts such as WSGCN's Logit).
            var presetStage = preset is null || explicitStage ? null : preset;
            if (presetStage is not null && explicitCrf is not null
                && !(presetStage.IrLabel is not null && explicitCrf.Unary == CrfUnaryKind.Labels)
                && !(presetStage.IrLabel is null && presetStage.LaHa is not null && explicitCrf.Unary is CrfUnaryKind.Scores or CrfUnaryKind.Softmax))
                presetStage = null;
            if (presetStage?.IcdSeeds is not null)
                throw new UsageException($"--method {preset!.Name} makes seeds from the ICD scores: give --icd-seeds DIR (the scores_icd folder)");
            var presetCrf = preset?.Crf is { } pc ? CrfParameters.Preset(pc.Value) : null;

            string? walkPreset = parse.GetValue(rwPreset) ?? (source is not null ? preset?.RandomWalk?.Value : null);
            var walk = walkPreset is { } rp ? CliRunner.ForOption("--rw-preset", () => RandomWalkOptions.Preset(rp)) : RandomWalkOptions.Irn;
            // Each setter checks its range; its error names the flag.
            if (parse.GetValue(rwBeta) is { } beta) walk = CliRunner.ForOption("--rw-beta", () => walk with { Beta = beta });
            if (parse.GetValue(rwExp) is { } exp) walk = CliRunner.ForOption("--rw-exp-times", () => walk with { ExpTimes = exp });
            if (parse.GetValue(rwRadius) is { } radius) walk = CliRunner.ForOption("--rw-radius", () => walk with { Radius = radius });
            if (parse.GetValue(rwBg) is { } bg) walk = CliRunner.ForOption("--rw-bg-threshold", () => walk with { BackgroundThreshold = bg });
            if (parse.GetValue(rwStride) is { } stride) walk = CliRunner.ForOption("--rw-stride", () => walk with { Stride = stride });

            var reliable = parse.GetValue(reliableRegions) is { } rr ? ParseReliableRegions(rr) : ((ReliableRegionOptions Options, bool Wsgcn)?)null;
            IrLabelOptions? irLabelOptions = parse.GetValue(irLabel) is { } ir ? CliRunner.ForOption("--ir-label", () => ParseIrLabel(ir, explicitCrf ?? presetCrf))
                : presetStage?.IrLabel is { } presetIr ? new IrLabelOptions { FgThreshold = presetIr.Value.Fg, BgThreshold = presetIr.Value.Bg, Crf = explicitCrf ?? presetCrf! }
                : null;
            PsaLaHaOptions? laHaOptions = parse.GetValue(laHa) is { } lh ? CliRunner.ForOption("--la-ha", () => ParseLaHa(lh, explicitCrf ?? presetCrf))
                : presetStage?.IrLabel is null && presetStage?.LaHa is { } presetLaHa
                    ? new PsaLaHaOptions { AlphaLow = presetLaHa.Value.Low, AlphaHigh = presetLaHa.Value.High, Crf = explicitCrf ?? presetCrf! }
                : null;
            BackgroundRule? rule = parse.GetValue(threshold) is { } t ? CliRunner.ForOption("--threshold", () => new BackgroundRule.Constant(t))
                : parse.GetValue(bgPower) is { } a ? CliRunner.ForOption("--bg-power", () => new BackgroundRule.Power(a))
                : irLabelOptions is null && laHaOptions is null && presetStage?.RefineThreshold is { } presetThreshold ? new BackgroundRule.Constant(presetThreshold.Value)
                : null;
            bool presetRule = rule is not null && parse.GetValue(threshold) is null && parse.GetValue(bgPower) is null;
            var stageCrf = explicitCrf
                ?? (source is not null && preset?.RandomWalkCrf is { } rwCrf ? CrfParameters.Parse(rwCrf.Value) : null)
                ?? (source is null && presetRule && preset?.RefineCrf is { } ruleCrf ? CrfParameters.Parse(ruleCrf.Value) : null)
                ?? (parse.GetValue(icdSeeds) is not null ? presetCrf : null);
            // The method's file layout for a walk followed by a CRF (BES: the walk's ID.png and the CRF's ID_crf.png).
            string? suffixText = parse.GetValue(crfSuffix) ?? (source is not null && stageCrf is not null ? preset?.CrfLabelSuffix?.Value : null);
            if (suffixText is not null && suffixText != "none" && !RefineOptions.IsFileNameSuffix(suffixText))
                throw new UsageException($"--crf-suffix '{string.Concat(suffixText.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))}': give 1-32 letters, digits, '_', '-' or '.' (e.g. _crf), or none");
            string? crfLabelSuffix = suffixText == "none" ? null : suffixText;
            var shard = batch.ShardOf(parse);
            batch.CheckJsonIsNoInput(parse, list);
            var scoreLayout = parse.GetValue(scoresLayout) is { } layout ? CliRunner.ForOption("--scores-layout", () => ScoreFileWriter.Parse(layout))
                : preset?.Scores.Value ?? ScoreFileLayout.Array;
            long? maxMemoryBytes = parse.GetValue(maxMemory) is { } mib ? mib > 0 ? mib << 20 : throw new UsageException("--max-memory takes a positive number of MiB") : null;

            var options = new RefineOptions
            {
                Ids = DatasetInputs.ReadList(parse.GetValue(list)!.FullName),
                CamsDirectory = parse.GetValue(cams)!.FullName,
                OutputDirectory = parse.GetValue(output)!.FullName,
                ImagesDirectory = parse.GetValue(images)?.FullName,
                Format = batch.FormatOf(parse, preset),
                ClassLabelsFile = parse.GetValue(batch.ClassLabels)?.FullName,
                ClassLabelsCountDifficult = preset?.CountDifficult.Value ?? true,
                Classes = parse.GetValue(batch.Classes),
                Rule = rule,
                IrLabel = irLabelOptions,
                LaHa = laHaOptions,
                LaHaStride = parse.GetValue(laHaStride) ?? 1,
                ReliableRegions = reliable is { Wsgcn: false } ? WithCrf(reliable.Value.Options, explicitCrf) : null,
                WsgcnPartialLabels = reliable is { Wsgcn: true } ? WithCrf(reliable.Value.Options, explicitCrf) : null,
                BesBoundary = parse.GetValue(besBoundary)
                    ? new BesBoundaryOptions { IrLabel = explicitCrf is null ? IrLabelOptions.ForMethod("bes") : IrLabelOptions.ForMethod("bes") with { Crf = explicitCrf } }
                    : null,
                IcdSeedsDirectory = parse.GetValue(icdSeeds)?.FullName,
                RandomWalkSource = source,
                RandomWalk = walk,
                Crf = irLabelOptions is null && laHaOptions is null && reliable is null && !parse.GetValue(besBoundary) ? stageCrf : null,
                CrfLabelSuffix = crfLabelSuffix,
                SaveScores = parse.GetValue(saveScores),
                ScoresLayout = scoreLayout,
                Png = parse.GetValue(png) ?? preset?.Png.Value ?? Io.Png.LabelPngFlavour.Palette,
                Overwrite = parse.GetValue(overwrite),
                KeepGoing = parse.GetValue(batch.KeepGoing),
                BatchSize = parse.GetValue(batch.BatchSize),
                MaxMemoryBytes = maxMemoryBytes,
                Shard = shard,
                GroundTruthDirectory = parse.GetValue(gt)?.FullName,
                Metric = batch.MetricOf(parse, preset),
                MaxDumpElements = parse.GetValue(batch.MaxDumpElements),
            };
            CheckRecipe(options, parse.GetValue(list)!.FullName);
            CliRunner.RefuseWritingIntoInputs(parse.GetValue(batch.Report), "--report", options.InputFolders());
            CliRunner.RefuseJsonNamingAnItem(parse.GetValue(batch.Json), [.. options.InputFolders(), ("--out", options.OutputDirectory)], options.Ids, crfLabelSuffix);
            CliRunner.RefuseJsonAmongRecords(parse.GetValue(batch.Json), options.OutputDirectory);
            Reports.RunReport.RefuseNamesOfImages(parse.GetValue(batch.Report), options.OutputDirectory, options.Ids);
            using var computeBackend = CliRunner.CreateBackend(parse.GetValue(batch.Backend));
            var started = DateTimeOffset.UtcNow;
            var report = ProgressDisplay.Run("refine", options.Shard.Select(options.Ids).Count,
                progress => RefineJob.Run(computeBackend, options, progress, line => Console.Error.WriteLine(line)));
            Console.WriteLine($"wrote {report.Written} label map(s) to {options.OutputDirectory}" + (report.Skipped > 0 ? $", {report.Skipped} already complete (skipped)" : ""));
            if (report.Score is { } score)
            {
                EvalCommand.PrintTable(score, options.Classes);
                if (parse.GetValue(batch.Json) is { } jsonFile) AtomicFileWriter.WriteAllText(jsonFile.FullName, score.ToJson());
            }
            else if (parse.GetValue(batch.Json) is { } runJson)
            {
                // Without --gt there is no score: the JSON reports what ran (counts, per-stage seconds, failures).
                AtomicFileWriter.WriteAllText(runJson.FullName, CliJson.Write(new JsonObject
                {
                    ["version"] = Core.BuildInfo.Version,
                    ["images"] = options.Shard.Select(options.Ids).Count,
                    ["written"] = report.Written,
                    ["skipped_complete"] = report.Skipped,
                    ["backend"] = computeBackend.Name,
                    ["stage_seconds"] = CliJson.Object(report.StageSeconds),
                    ["failures"] = CliJson.Array(report.Failures.Select(f => f.ToString())),
                }));
            }
            if (parse.GetValue(batch.Report) is { } reportDirectory)
                Reports.RunReport.Write(reportDirectory.FullName, report.Score, options.Classes, options.Shard.Select(options.Ids),
                    options.ImagesDirectory, options.CamsDirectory, options.Format, options.GroundTruthDirectory,
                    Reports.RunReport.FromDirectory(options.OutputDirectory));
            WriteManifest(options, report, computeBackend, started, parse.Tokens.Select(t => t.Value).ToArray());
            return CliRunner.ReportFailures(report.Failures.Select(f => f.ToString()).ToArray());
        }));
        return command;
    }

    /// <summary>The library's recipe checks, worded with this command's flags: usage errors, but for an empty list.</summary>
    private static void CheckRecipe(RefineOptions options, string listFile)
    {
        try
        {
            options.Validate();
        }
        catch (RecipeOptionsException e) when (e.Problem == RecipeProblem.NoImageIds)
        {
            throw new Core.WsssInputException(listFile, "holds no image ids");
        }
        catch (RecipeOptionsException e)
        {
            throw new UsageException(e.Problem switch
            {
                RecipeProblem.TwoFirstSteps => "give one of --threshold, --bg-power, --ir-label, --la-ha, --reliable-regions, --bes-boundary and --icd-seeds",
                RecipeProblem.LaHaStride => "--la-ha-stride applies to --la-ha and must be at least 1",
                RecipeProblem.IcdSeedsWithRandomWalk => "--icd-seeds does not combine with --rw (ICD has no random walk)",
                RecipeProblem.IcdSeedsNeedIcdCrf => "--icd-seeds takes the icd CRF preset (or --crf-params with unary=icd:CONF)",
                RecipeProblem.TrainingLabelsWithRandomWalk => "--ir-label, --la-ha, --reliable-regions and --bes-boundary make training labels; they do not combine with --rw",
                RecipeProblem.NoFirstStep => "refine needs a first stage: --threshold, --bg-power, --ir-label, --la-ha, --icd-seeds or --rw (or --crf alone on dumps with their own background channel)",
                RecipeProblem.ConstantBackgroundWithRandomWalk => "--threshold does not apply to --rw; the walk's background is --rw-bg-threshold",
                RecipeProblem.NeedsImages => "this recipe needs --images (CRF, ir-label or --rw image)",
                RecipeProblem.IcdCrfNeedsSeeds => "the icd CRF preset runs on ICD seed maps: give --icd-seeds DIR (the scores_icd folder)",
                RecipeProblem.ClassCount => "--classes must be in 2..255",
                RecipeProblem.LabelsBeforeCrf => "--crf-suffix needs a CRF (--crf or --crf-params) after --threshold, --bg-power or --rw",
                _ => e.Message,
            });
        }
    }

    private static IrLabelOptions ParseIrLabel(string text, CrfParameters? crf)
    {
        try
        {
            return IrLabelOptions.Parse(text, crf);
        }
        catch (ArgumentException e) when (e.ParamName == "text")
        {
            throw new UsageException($"--ir-label takes FG,BG thresholds, e.g. 0.30,0.05; got '{text}'");
        }
    }

    /// <summary>"rrm" or "wsgcn"; true for WSGCN's stride-4 partial labels.</summary>
    private static (ReliableRegionOptions Options, bool Wsgcn) ParseReliableRegions(string text) => text.Trim().ToLowerInvariant() switch
    {
        "rrm" => (ReliableRegionOptions.Rrm, false),
        "wsgcn" => (ReliableRegionOptions.Wsgcn, true),
        _ => throw new UsageException($"--reliable-regions takes rrm or wsgcn; got '{text}'"),
    };

    private static ReliableRegionOptions WithCrf(ReliableRegionOptions options, CrfParameters? crf) =>
        crf is null ? options : options with { LaHa = options.LaHa with { Crf = crf } };

    private static PsaLaHaOptions ParseLaHa(string text, CrfParameters? crf)
    {
        var parts = text.Split(',');
        if (parts.Length != 2 || !float.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out float low)
            || !float.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out float high))
            throw new UsageException($"--la-ha takes LOW,HIGH alphas, e.g. 4,32; got '{text}'");
        var options = PsaLaHaOptions.ForMethod("psa") with { AlphaLow = low, AlphaHigh = high };
        return crf is null ? options : options with { Crf = crf };
    }

    /// <summary>
    /// OUT/wsss-run.json (one per shard: wsss-run.shardKofN.json, so concurrent shards never write one file): what ran,
    /// the recipe (its fingerprint names the journals in OUT/wsss-done), where, how long each stage took, what failed.
    /// </summary>
    private static void WriteManifest(RefineOptions options, RefineReport report, Backends.ComputeBackend backend, DateTimeOffset started, string[] arguments)
    {
        var (recipe, fingerprint) = RefineLedger.Describe(options);
        var manifest = new JsonObject
        {
            ["tool"] = "wsss refine",
            ["recipe"] = recipe,
            ["recipe_fingerprint"] = fingerprint,
            ["version"] = Core.BuildInfo.Version,
            ["arguments"] = CliJson.Array(arguments),
            ["started"] = started.ToString("O"),
            ["finished"] = DateTimeOffset.UtcNow.ToString("O"),
            ["backend"] = backend.Name,
            ["device"] = backend.DeviceName,
            ["shard"] = options.Shard.ToString(),
            ["images"] = options.Shard.Select(options.Ids).Count,
            ["written"] = report.Written,
            ["skipped_complete"] = report.Skipped,
            ["stage_seconds"] = CliJson.Object(report.StageSeconds),
            ["miou"] = report.Score?.MeanIou is { } m && double.IsFinite(m) ? m : (double?)null,
            ["failures"] = CliJson.Array(report.Failures.Select(f => f.ToString())),
        };
        string name = options.Shard.Count > 1 ? $"wsss-run.shard{options.Shard.Index}of{options.Shard.Count}.json" : "wsss-run.json";
        AtomicFileWriter.WriteAllText(Path.Combine(options.OutputDirectory, name), CliJson.Write(manifest));
    }
}
