using System.Diagnostics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Io;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Jobs;

/// <summary>What <c>wsss refine</c> runs, stage by stage, on each image.</summary>
public sealed record RefineOptions
{
    /// <summary>Image ids to refine, in list order; must not be empty.</summary>
    public required IReadOnlyList<string> Ids { get; init; }
    /// <summary>CAM dumps <c>ID.npy</c> in any supported seed-method layout.</summary>
    public required string CamsDirectory { get; init; }
    /// <summary>Where the label PNGs <c>ID.png</c> (palette, 0..20, 255 = ignore) are written; created if missing.</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>RGB images <c>ID.jpg</c> (or .jpeg, .png); required by the CRF, ir_label, la/ha and <c>--rw image</c>.</summary>
    public string? ImagesDirectory { get; init; }
    /// <summary>A CAM format preset name (<c>--format</c>, e.g. "irn", "psa", "sccam"); null auto-detects.</summary>
    public string? Format { get; init; }
    /// <summary>Image-level labels (<c>cls_labels.npy</c>) for format detection and plain arrays; null = not given.</summary>
    public string? ClassLabelsFile { get; init; }
    /// <summary>Label classes K including background, 2..255 (21 for VOC).</summary>
    public int Classes { get; init; } = 21;

    /// <summary>First stage: a constant or power background (thresholding), or IRN's ir_label.</summary>
    public BackgroundRule? Rule { get; init; }
    /// <summary>IRN's ir_label first stage: two CRFs at a foreground and a background threshold, 255 where they disagree.</summary>
    public IrLabelOptions? IrLabel { get; init; }
    /// <summary>ICD's seeds: the ICD scores (<c>scores_icd/ID.npy</c>) beside the CAMs of <see cref="CamsDirectory"/> (<c>scores_cam</c>).</summary>
    public string? IcdSeedsDirectory { get; init; }
    /// <summary>PSA's la/ha rule: two power-background CRFs (alphas low/high), 255 where they disagree.</summary>
    public PsaLaHaOptions? LaHa { get; init; }

    /// <summary>Random-walk stage (null = none).</summary>
    public AffinitySource? RandomWalkSource { get; init; }
    /// <summary>Random-walk parameters (IRN defaults); used only with <see cref="RandomWalkSource"/>.</summary>
    public RandomWalkOptions RandomWalk { get; init; } = RandomWalkOptions.Irn;

    /// <summary>CRF stage (null = none). With <see cref="IrLabel"/>, it is the CRF of the ir_label passes.</summary>
    public CrfParameters? Crf { get; init; }

    /// <summary>
    /// Also write the final scores as <c>ID.npy</c> (background first, then the present classes): the CRF's marginals
    /// when a CRF ran, else the walk's or the threshold stack; with la/ha, the two CRF dicts in <c>out_la_crf/</c> and
    /// <c>out_ha_crf/</c>.
    /// </summary>
    public bool SaveScores { get; init; }
    /// <summary>How <see cref="SaveScores"/> files are laid out (plain array, PSA's bg+fg dict, Puzzle-CAM's keys/rw dict).</summary>
    public Methods.ScoreFileLayout ScoresLayout { get; init; } = Methods.ScoreFileLayout.Array;
    /// <summary>Label PNG flavour: palette (VOC colours) or grayscale (what imageio-based readers need).</summary>
    public LabelPngFlavour Png { get; init; } = LabelPngFlavour.Palette;
    /// <summary>With a VOC <c>Annotations/</c> folder as <see cref="ClassLabelsFile"/>: whether objects marked difficult count.</summary>
    public bool ClassLabelsCountDifficult { get; init; } = true;
    /// <summary>
    /// Recompute every output (a folder holding another recipe's outputs is then taken over); false resumes: outputs
    /// recorded complete for this recipe and unchanged inputs are skipped (and still scored), and a folder holding
    /// another recipe's outputs is refused.
    /// </summary>
    public bool Overwrite { get; init; }
    /// <summary>Skip and list bad items (<c>--keep-going</c>) instead of stopping at the first.</summary>
    public bool KeepGoing { get; init; }
    /// <summary>Images loaded per batch; bounds memory (two batches in flight).</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>The slice of <see cref="Ids"/> this run refines (scale-out across processes or nodes).</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>Score the written labels against this ground truth.</summary>
    public string? GroundTruthDirectory { get; init; }
    /// <summary>mIoU definition used when <see cref="GroundTruthDirectory"/> is set.</summary>
    public SegmentationMetric Metric { get; init; } = SegmentationMetric.Chainercv;

    internal bool NeedsImage => IrLabel is not null || LaHa is not null || Crf is not null || RandomWalkSource?.NeedsImage == true;

    internal void Validate()
    {
        if (Ids.Count == 0) throw new ArgumentException("the list holds no image ids");
        if (new object?[] { Rule, IrLabel, LaHa, IcdSeedsDirectory }.Count(x => x is not null) > 1)
            throw new ArgumentException("give one of --threshold, --bg-power, --ir-label, --la-ha and --icd-seeds");
        if (IcdSeedsDirectory is not null && RandomWalkSource is not null)
            throw new ArgumentException("--icd-seeds does not combine with --rw (ICD has no random walk)");
        if (IcdSeedsDirectory is not null && Crf is not null && Crf.Unary != CrfUnaryKind.IcdSeeds)
            throw new ArgumentException("--icd-seeds takes the icd CRF preset (or --crf-params with unary=icd:CONF)");
        if ((IrLabel is not null || LaHa is not null) && RandomWalkSource is not null)
            throw new ArgumentException("--ir-label and --la-ha make the random walk's training labels; they do not combine with --rw");
        if (Rule is null && IrLabel is null && LaHa is null && IcdSeedsDirectory is null && RandomWalkSource is null && Crf is null)
            throw new ArgumentException("refine needs a first stage: --threshold, --bg-power, --ir-label, --la-ha, --icd-seeds or --rw (or --crf alone on dumps with their own background channel)");
        if (Rule is BackgroundRule.Constant && RandomWalkSource is not null)
            throw new ArgumentException("--threshold does not apply to --rw; the walk's background is --rw-bg-threshold");
        if (NeedsImage && ImagesDirectory is null) throw new ArgumentException("this recipe needs --images (CRF, ir-label or --rw image)");
        if (Crf?.Unary == CrfUnaryKind.IcdSeeds && IcdSeedsDirectory is null)
            throw new ArgumentException("the icd CRF preset runs on ICD seed maps: give --icd-seeds DIR (the scores_icd folder)");
        if (Classes is < 2 or > 255) throw new ArgumentException("--classes must be in 2..255");
    }
}

/// <summary>The outcome of a refine run; <see cref="Score"/> is set when a ground truth was given.</summary>
public sealed record RefineReport(int Written, int Skipped, IReadOnlyList<ItemFailure> Failures, EvalReport? Score,
    IReadOnlyDictionary<string, double> StageSeconds);

/// <summary>
/// <c>wsss refine</c> as a library call. Each image goes through the stages in order (IRN-style, one step per
/// method below): first labels or scores, then the random walk, then the CRF; the result is written atomically
/// as a palette PNG, so an interrupted run resumes by skipping complete outputs.
/// </summary>
public static class RefineJob
{
    /// <summary>Refines every image of the run's shard and writes its label PNG atomically; existing outputs are kept unless <see cref="RefineOptions.Overwrite"/>.</summary>
    /// <param name="backend">Where the stages run (CPU or Vulkan).</param>
    /// <param name="options">What to run.</param>
    /// <param name="progress">Receives the number of items finished (written, skipped or failed) after each batch.</param>
    /// <param name="info">Receives one-line notes, e.g. stale partial outputs removed.</param>
    /// <returns>Counts written and skipped, failures, the score when a ground truth was given, and seconds per stage.</returns>
    /// <exception cref="ArgumentException">The options are inconsistent (e.g. no first stage, two first stages, a CRF without images).</exception>
    /// <exception cref="ItemFailedException">An item is bad and <see cref="RefineOptions.KeepGoing"/> is false.</exception>
    /// <exception cref="WsssInputException">The output folder is a file, or holds another recipe's outputs and <see cref="RefineOptions.Overwrite"/> is false.</exception>
    public static RefineReport Run(ComputeBackend backend, RefineOptions options, IProgress<int>? progress = null, Action<string>? info = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var ids = options.Shard.Select(options.Ids);
        if (File.Exists(options.OutputDirectory))
            throw new WsssInputException(options.OutputDirectory, "--out names a file; it must be a folder (created if missing)");
        Directory.CreateDirectory(options.OutputDirectory);
        // Only temporaries of writers that are gone: other shards may be writing into this folder right now.
        int stale = AtomicFileWriter.CleanStaleTemporaries(options.OutputDirectory);
        if (stale > 0) info?.Invoke($"info: removed {stale} partial output(s) of an interrupted run");
        using var ledger = RefineLedger.Open(options, info);

        var classLabels = options.ClassLabelsFile is null ? null : DatasetInputs.ReadClassLabels(options.ClassLabelsFile, options.ClassLabelsCountDifficult);
        var timings = new StageTimings();
        var confusionOptions = new ConfusionOptions(options.Classes, SegmentationMetrics.PredictedIgnoreFor(options.Metric));
        var total = new ConfusionMatrix(options.Classes);
        int written = 0, skipped = 0, scored = 0;

        var stream = new BatchStream<ItemInput>(ids, id => Load(id, options, classLabels, ledger, timings), id => DatasetInputs.CamPath(options.CamsDirectory, id),
            options.BatchSize, options.KeepGoing);
        // The CPU path refines several images at once; a GPU queue is fed one image at a time.
        int parallelism = backend is VulkanBackend ? 1 : (backend as CpuBackend)?.MaxDegreeOfParallelism ?? Environment.ProcessorCount;
        stream.Run(batch =>
        {
            ParallelWork.Run(() => Parallel.ForEach(batch, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, item =>
            {
                var input = item.Value;
                try
                {
                    LabelMap labels;
                    if (input.Existing is not null)
                    {
                        labels = input.Existing;
                        Interlocked.Increment(ref skipped);
                    }
                    else
                    {
                        var output = Refine(backend, input, options, timings);
                        labels = output.Labels;
                        timings.Time("write", () =>
                        {
                            bool saveScores = WriteOutputs(options, input.Id, output);
                            // The item is complete only now, with every output in place.
                            ledger.Record(input.Id, saveScores);
                        });
                        Interlocked.Increment(ref written);
                    }
                    if (input.GroundTruth is { } gt)
                    {
                        DatasetInputs.CheckSameSize(OutputPath(options, input.Id), labels.Height, labels.Width, gt);
                        var m = ConfusionCounting.Count(labels, gt, confusionOptions);
                        lock (total) total.Add(m);
                        Interlocked.Increment(ref scored);
                    }
                }
                catch (WsssInputException e)
                {
                    stream.Fail(new ItemFailure(input.Id, e.File ?? DatasetInputs.CamPath(options.CamsDirectory, input.Id), e.Reason));
                }
            }));
        }, progress);

        EvalReport? score = options.GroundTruthDirectory is null ? null
            : EvalReport.From(total, options.Metric, scored, backend.Name, failures: stream.Failures);
        return new RefineReport(written, skipped, stream.Failures, score, timings.Snapshot());
    }

    /// <summary>Writes the scores (when asked for and the recipe has them), then the label PNG; true when scores were written.</summary>
    private static bool WriteOutputs(RefineOptions options, string id, RefineOutput output)
    {
        bool scoresWritten = false;
        if (options.SaveScores)
        {
            var scores = options.ScoresLayout == Methods.ScoreFileLayout.PuzzleCamRw ? output.WalkScores ?? output.Scores : output.Scores;
            if (scores is not null)
            {
                AtomicFileWriter.Write(RefineLedger.ScoresPath(options, id), s => Methods.ScoreFileWriter.Write(s, scores, options.ScoresLayout));
                scoresWritten = true;
            }
            if (output.LaHa is { } laHa)
            {
                foreach (var (folder, result) in new[] { ("out_la_crf", laHa.La), ("out_ha_crf", laHa.Ha) })
                {
                    string directory = Path.Combine(options.OutputDirectory, folder);
                    Directory.CreateDirectory(directory);
                    var maps = result.ToClassMaps(laHa.LabelIds);
                    AtomicFileWriter.Write(Path.Combine(directory, id + ".npy"), s => Methods.ScoreFileWriter.Write(s, maps, options.ScoresLayout));
                }
            }
        }
        AtomicFileWriter.Write(OutputPath(options, id), s => LabelPngWriter.Write(s, output.Labels, options.Png));
        return scoresWritten;
    }

    /// <summary>The label PNG path of an image: OutputDirectory/ID.png.</summary>
    public static string OutputPath(RefineOptions options, string id) => Path.Combine(options.OutputDirectory, id + ".png");

    private sealed record ItemInput(string Id, CamDumpInput? Cams, RgbImage? Image, LabelMap? GroundTruth, LabelMap? Existing, ClassMaps? Icd = null);

    private sealed record CamDumpInput(ClassMaps FullResolution, ClassMaps? Stride);

    private static ItemInput Load(string id, RefineOptions o, IReadOnlyDictionary<string, IReadOnlySet<int>>? classLabels, RefineLedger ledger,
        StageTimings timings)
    {
        return timings.Time("decode", () =>
        {
            LabelMap? gt = o.GroundTruthDirectory is null ? null : DatasetInputs.ReadGroundTruth(o.GroundTruthDirectory, id, o.Classes);
            string output = OutputPath(o, id);
            if (ledger.IsComplete(id))
                return new ItemInput(id, null, null, gt, LabelPngReader.Read(output));

            RgbImage? image = o.NeedsImage ? Io.Png.RgbImageReader.Read(DatasetInputs.ImagePath(o.ImagesDirectory!, id)) : null;
            var present = DatasetInputs.PresentFor(id, classLabels, o.ClassLabelsFile, gt);
            int height = image?.Height ?? gt?.Height ?? 0, width = image?.Width ?? gt?.Width ?? 0;
            string camFile = DatasetInputs.CamPath(o.CamsDirectory, id);
            var dump = DatasetInputs.ReadDump(camFile, o.Format, present, classLabels is not null, height, width);
            if (image is not null && (dump.HighRes.Height != image.Height || dump.HighRes.Width != image.Width))
                throw new WsssInputException(camFile, $"size {dump.HighRes.Width}x{dump.HighRes.Height} does not match the image's {image.Width}x{image.Height}");
            DatasetInputs.CheckClassIds(camFile, dump.HighRes, o.Classes);
            ClassMaps? icd = o.IcdSeedsDirectory is null ? null
                : DatasetInputs.ReadDump(DatasetInputs.CamPath(o.IcdSeedsDirectory, id), o.Format ?? "icd", present, classLabels is not null, height, width).HighRes;
            return new ItemInput(id, new CamDumpInput(dump.HighRes, dump.LowRes), image, gt, null, icd);
        });
    }

    /// <summary>An image's labels and, where the recipe has them, its final scores, the walk's scores and the la/ha CRFs.</summary>
    private sealed record RefineOutput(LabelMap Labels, ClassMaps? Scores, ClassMaps? WalkScores = null, PsaLaHaResult? LaHa = null);

    /// <summary>The stages for one image.</summary>
    private static RefineOutput Refine(ComputeBackend backend, ItemInput input, RefineOptions o, StageTimings timings)
    {
        var cams = input.Cams!.FullResolution.ForegroundOnly();
        string camFile = DatasetInputs.CamPath(o.CamsDirectory, input.Id);

        if (o.IrLabel is { } irLabel)
        {
            var options = o.Crf is null ? irLabel : irLabel with { Crf = o.Crf };
            return new(timings.Time("ir-label+crf", () => IrLabelRecipe.Run(backend, input.Image!, cams, options)), null);
        }

        if (input.Icd is { } icdScores)
        {
            var seeds = timings.Time("icd-seeds", () => IcdSeedRecipe.Seeds(icdScores, cams));
            if (o.Crf is not { } icdCrf) return new(seeds, null);
            return new(timings.Time("crf", () => DenseCrf.RefineSeeds(backend, input.Image!, seeds, icdCrf, o.Classes).LabelIndexMap()), null);
        }

        if (o.LaHa is { } laHa)
        {
            var options = o.Crf is null ? laHa : laHa with { Crf = o.Crf };
            var laHaResult = timings.Time("la-ha+crf", () => PsaLaHaRecipe.Run(backend, input.Image!, cams, options));
            return new(laHaResult.Labels, null, LaHa: laHaResult);
        }

        ClassMaps scores;   // background channel first (label id 0), then the present classes
        LabelMap labels;
        if (o.RandomWalkSource is { } source)
        {
            (labels, scores) = timings.Time("random-walk", () => Walk(backend, input, cams, source, o, camFile));
        }
        else if (o.Rule is null)
        {
            // bg+fg dicts (la/ha outputs, SSDD out_aff, WSGCN Logit) carry their own background channel: keep it.
            var stored = input.Cams!.FullResolution;
            if (stored.Channels == 0 || stored.LabelIds[0] != 0)
                throw new WsssInputException(camFile, "the dump has no background channel of its own: give --threshold or --bg-power");
            scores = stored;
            labels = ArgmaxLabels(stored);
        }
        else
        {
            scores = timings.Time("threshold", () => WithBackground(cams, o.Rule!));
            labels = timings.Time("threshold", () => ThresholdLabeling.Label(cams, o.Rule!));
        }

        var walkScores = o.RandomWalkSource is null ? null : scores;
        if (o.Crf is { } crf)
        {
            var result = timings.Time("crf", () => DenseCrf.Refine(backend, input.Image!, scores, crf));
            return new(result.ToLabelMap(scores.LabelIds), result.ToClassMaps(scores.LabelIds), walkScores);
        }
        return new(labels, scores, walkScores);
    }

    private static (LabelMap, ClassMaps) Walk(ComputeBackend backend, ItemInput input, ClassMaps cams, AffinitySource source, RefineOptions o, string camFile)
    {
        int height = cams.Height, width = cams.Width;
        var options = o.RandomWalk;
        if (o.Rule is BackgroundRule.Power power)
            options = options with { Recipe = RandomWalkRecipe.AffinityNet, BackgroundAlpha = (float)power.Alpha };
        if (options.Recipe == RandomWalkRecipe.AffinityNet)
        {
            int gh = (height + options.Stride - 1) / options.Stride, gw = (width + options.Stride - 1) / options.Stride;
            // AffinityNet's own network lowers the radius on feature maps too small for it
            // (YudeWang/SEAM network/resnet38_aff.py:47-48; jiwoon-ahn/psa network/resnet38_aff.py:47 keeps 5).
            int smallSide = Math.Min(gh, gw);
            if (source.Kind == AffinitySource.Kinds.Features && smallSide < 2 * options.Radius + 1 && (smallSide - 1) / 2 >= RandomWalkDirections.MinRadius)
                options = options with { Radius = (smallSide - 1) / 2 };
            var affinity = source.Load(input.Id, input.Image, gh, gw, options);
            var r = RandomWalker.RefineAffinityNet(cams, affinity, options, backend, camFile);
            return (r.Labels, r.Scores);
        }
        // IRN propagates the dump's own stride-4 map where it has one; otherwise the full-resolution CAM is pooled.
        var grid = input.Cams!.Stride?.ForegroundOnly() ?? RandomWalker.PoolToStride(cams, options.Stride);
        var irnAffinity = source.Load(input.Id, input.Image, grid.Height, grid.Width, options);
        var result = RandomWalker.RefineIrn(grid, irnAffinity, height, width, options, backend, camFile);
        return (result.Labels, PrependConstant(result.Scores, options.BackgroundThreshold));
    }

    /// <summary>The label id of each pixel's first maximum (numpy's argmax) over the channels.</summary>
    private static LabelMap ArgmaxLabels(ClassMaps maps)
    {
        int n = maps.PixelCount;
        var result = new byte[n];
        for (int p = 0; p < n; p++)
        {
            int best = 0;
            for (int c = 1; c < maps.Channels; c++)
                if (maps.Data[c * n + p] > maps.Data[best * n + p]) best = c;
            result[p] = (byte)maps.LabelIds[best];
        }
        return new LabelMap(maps.Height, maps.Width, result);
    }

    /// <summary>[bg; M] with bg = the rule's background score, as the seed methods stack it.</summary>
    internal static ClassMaps WithBackground(ClassMaps cams, BackgroundRule rule)
    {
        int n = cams.PixelCount;
        var data = new float[(cams.Channels + 1) * n];
        Array.Copy(cams.Data, 0, data, n, cams.Data.Length);
        switch (rule)
        {
            case BackgroundRule.Constant constant:
                Array.Fill(data, constant.Threshold32, 0, n);
                break;
            case BackgroundRule.Power power:
                for (int p = 0; p < n; p++)
                {
                    float max = cams.Channels == 0 ? 0f : float.NegativeInfinity;
                    for (int c = 0; c < cams.Channels; c++) max = MathF.Max(max, cams.Data[c * n + p]);
                    data[p] = power.Evaluate(max);
                }
                break;
        }
        return new ClassMaps([0, .. cams.LabelIds], cams.Height, cams.Width, data);
    }

    private static ClassMaps PrependConstant(ClassMaps scores, float background) =>
        WithBackground(scores, new BackgroundRule.Constant(background));

    /// <summary>Wall time per stage, summed over images and threads (the run manifest reports it).</summary>
    private sealed class StageTimings
    {
        private readonly Dictionary<string, long> _ticks = [];

        public T Time<T>(string stage, Func<T> work)
        {
            long start = Stopwatch.GetTimestamp();
            try { return work(); }
            finally
            {
                long elapsed = Stopwatch.GetTimestamp() - start;
                lock (_ticks) _ticks[stage] = _ticks.GetValueOrDefault(stage) + elapsed;
            }
        }

        public void Time(string stage, Action work) => Time(stage, () => { work(); return 0; });

        public IReadOnlyDictionary<string, double> Snapshot()
        {
            lock (_ticks) return _ticks.ToDictionary(kv => kv.Key, kv => kv.Value / (double)Stopwatch.Frequency);
        }
    }
}
