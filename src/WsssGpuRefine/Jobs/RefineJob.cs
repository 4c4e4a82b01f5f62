using System.Diagnostics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;

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
    /// <summary>With <see cref="LaHa"/>: 8 writes the la/ha map on AffinityNet's stride-8 grid (<see cref="AffinityLabelStep"/>); 1 keeps the image size.</summary>
    public int LaHaStride { get; init; } = 1;
    /// <summary>RRM's reliable regions (<see cref="ReliableRegionStep"/>).</summary>
    public ReliableRegionOptions? ReliableRegions { get; init; }
    /// <summary>WSGCN's partial labels (<see cref="WsgcnPartialLabelStep"/>; IRN-format dumps).</summary>
    public ReliableRegionOptions? WsgcnPartialLabels { get; init; }
    /// <summary>BES's boundary labels, written as 0/50/100/150/200 (<see cref="BesBoundaryLabelStep"/>).</summary>
    public BesBoundaryOptions? BesBoundary { get; init; }

    /// <summary>Random-walk stage (null = none).</summary>
    public AffinitySource? RandomWalkSource { get; init; }
    /// <summary>Random-walk parameters (IRN defaults); used only with <see cref="RandomWalkSource"/>.</summary>
    public RandomWalkOptions RandomWalk { get; init; } = RandomWalkOptions.Irn;

    /// <summary>CRF stage (null = none). With <see cref="IrLabel"/>, it is the CRF of the ir_label passes.</summary>
    public CrfParameters? Crf { get; init; }

    /// <summary>
    /// Also write the final scores as <c>ID.npy</c> in <see cref="ScoresLayout"/> (background first, then the present
    /// classes): the CRF's marginals when a CRF runs last (<see cref="RecipeOutput.Scores"/>), else the walk's or the
    /// threshold stack; with la/ha, the two CRF dicts in <c>out_la_crf/</c> and <c>out_ha_crf/</c>.
    /// </summary>
    public bool SaveScores { get; init; }
    /// <summary>How <see cref="SaveScores"/> files are laid out (plain array, PSA's bg+fg dict, Puzzle-CAM's keys/rw dict).</summary>
    public Methods.ScoreFileLayout ScoresLayout { get; init; } = Methods.ScoreFileLayout.Array;
    /// <summary>
    /// With a CRF after a threshold, a random walk or the stored background: <c>ID.png</c> holds the labels before the
    /// CRF and <c>ID{suffix}.png</c> the CRF's, as BES saves its walk and CRF labels (mt-cly/BES step/make_sem_seg.py:52-60,
    /// <c>_crf</c>); null writes the CRF's labels as <c>ID.png</c> only. Letters, digits, '_', '-' and '.', at most 32.
    /// </summary>
    public string? CrfLabelSuffix { get; init => field = value is null || IsFileNameSuffix(value) ? value
        : throw new ArgumentException("the CRF label suffix must be 1-32 letters, digits, '_', '-' or '.' (e.g. _crf)", nameof(CrfLabelSuffix)); }

    /// <summary>True for a suffix that keeps <c>ID{suffix}.png</c> a plain file name in the output folder.</summary>
    public static bool IsFileNameSuffix(string suffix) =>
        suffix.Length is >= 1 and <= 32 && suffix != "." && suffix.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

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
    /// <summary>
    /// Memory budget in bytes for the images computed at once (null: <see cref="CrfMemory.DefaultBudgetBytes"/>,
    /// half of what the runtime may use). Large images run fewer at a time, down to one; the decoded batches
    /// in flight (<see cref="BatchSize"/>) come on top.
    /// </summary>
    public long? MaxMemoryBytes { get; init; }
    /// <summary>The slice of <see cref="Ids"/> this run refines (scale-out across processes or nodes).</summary>
    public Shard Shard { get; init; } = Shard.Whole;

    /// <summary>Score the written labels against this ground truth.</summary>
    public string? GroundTruthDirectory { get; init; }
    /// <summary>mIoU definition used when <see cref="GroundTruthDirectory"/> is set.</summary>
    public SegmentationMetric Metric { get; init; } = SegmentationMetric.Chainercv;

    internal bool NeedsImage => ToRecipeOptions().NeedsImage;

    /// <summary>The most array elements one CAM dump may materialise in all (<c>--max-dump-elements</c>; see <see cref="Io.Arrays.NpyReadLimits"/>).</summary>
    public long MaxDumpElements { get; init; } = Io.Arrays.NpyReadLimits.DefaultMaxElements;

    /// <summary>The recipe these options describe, in the library's terms (<see cref="Recipes.RecipeOptions"/>).</summary>
    public RecipeOptions ToRecipeOptions() => new()
    {
        Rule = Rule,
        IrLabel = IrLabel,
        LaHa = LaHa,
        LaHaStride = LaHaStride,
        ReliableRegions = ReliableRegions,
        WsgcnPartialLabels = WsgcnPartialLabels,
        BesBoundary = BesBoundary,
        IcdSeeds = IcdSeedsDirectory is not null,
        // bg+fg dicts (la/ha outputs, SSDD out_aff, WSGCN Logit) carry their own background channel: a CRF given
        // alone runs on it.
        StoredBackground = Rule is null && IrLabel is null && LaHa is null && IcdSeedsDirectory is null && RandomWalkSource is null && Crf is not null,
        RandomWalkAffinity = RandomWalkSource is { } source
            ? (input, gridHeight, gridWidth, walk) => source.Load(input.Id, input.Image, gridHeight, gridWidth, walk)
            : null,
        RandomWalkAffinityNeedsImage = RandomWalkSource?.NeedsImage == true,
        RandomWalkLowersRadius = RandomWalkSource?.Kind == AffinitySource.Kinds.Features,
        RandomWalk = RandomWalk,
        Crf = Crf,
        Classes = Classes,
        KeepLabelsBeforeCrf = CrfLabelSuffix is not null,
    };

    /// <summary>
    /// Refuses an output folder that is one of the input folders: ID.png would replace a ground-truth map or a PNG image,
    /// ID.npy (<see cref="SaveScores"/>) a CAM dump, and the run's records would land among the inputs.
    /// </summary>
    /// <exception cref="WsssInputException">The output folder is an input folder (links resolved).</exception>
    internal void CheckOutputIsNoInput()
    {
        foreach (var (option, folder) in InputFolders())
            if (folder is not null && PathIdentity.SameFolder(OutputDirectory, folder))
                throw new WsssInputException(OutputDirectory, $"--out is the {option} folder: its outputs would replace the inputs there; choose another --out");
    }

    /// <summary>Each folder the run reads, with the CLI option that names it (null where not given).</summary>
    public IReadOnlyList<(string Option, string? Folder)> InputFolders() =>
    [
        ("--cams", CamsDirectory), ("--images", ImagesDirectory), ("--gt", GroundTruthDirectory), ("--icd-seeds", IcdSeedsDirectory),
        ($"--rw {RandomWalkSource?.Kind.ToString().ToLowerInvariant()}:DIR", RandomWalkSource?.Directory),
    ];

    /// <summary>Checks that the options fit together; <see cref="RefineJob.Run"/> calls it first.</summary>
    /// <returns>The recipe each image goes through.</returns>
    /// <exception cref="RecipeOptionsException">The options do not fit together; <see cref="RecipeOptionsException.Problem"/> says how.</exception>
    public Recipe Validate()
    {
        if (MaxDumpElements <= 0) throw new ArgumentOutOfRangeException(nameof(MaxDumpElements), MaxDumpElements, "the element limit must be positive");
        // Checked before the output folder is touched: a usage error leaves no recipe record behind.
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be at least 1");
        if (Ids.Count == 0) throw RecipeOptions.Problem(RecipeProblem.NoImageIds, "the list holds no image ids");
        if (CrfLabelSuffix is { } suffix)
        {
            // ID and ID+suffix in one list would write the same file twice.
            var ids = Ids.ToHashSet(StringComparer.Ordinal);
            if (Ids.FirstOrDefault(id => ids.Contains(id + suffix)) is { } clash)
                throw new ArgumentException($"the list holds both '{clash}' and '{clash}{suffix}': {clash}{suffix}.png would be both images' output; choose another CRF label suffix");
        }
        var recipe = ToRecipeOptions();
        recipe.Check();
        recipe.CheckInputs(hasImages: ImagesDirectory is not null, hasIcdScores: IcdSeedsDirectory is not null);
        return recipe.Build();
    }
}

/// <summary>The outcome of a refine run; <see cref="Score"/> is set when a ground truth was given.</summary>
public sealed record RefineReport(int Written, int Skipped, IReadOnlyList<ItemFailure> Failures, EvalReport? Score,
    IReadOnlyDictionary<string, double> StageSeconds);

/// <summary>
/// <c>wsss refine</c> as a library call. Each image goes through the steps of one <see cref="Recipe"/> (first
/// labels or scores, then the CRF); the result is written atomically as a palette PNG, so an interrupted run resumes
/// by skipping complete outputs.
/// </summary>
public static class RefineJob
{
    /// <summary>Refines every image of the run's shard and writes its label PNG atomically; existing outputs are kept unless <see cref="RefineOptions.Overwrite"/>.</summary>
    /// <param name="backend">Where the stages run (CPU or Vulkan).</param>
    /// <param name="options">What to run.</param>
    /// <param name="progress">Receives the number of items finished (written, skipped or failed) after each batch.</param>
    /// <param name="info">Receives one-line notes, e.g. stale partial outputs removed.</param>
    /// <returns>Counts written and skipped, failures, the score when a ground truth was given, and seconds per stage.</returns>
    /// <exception cref="RecipeOptionsException">The options are inconsistent (e.g. no first step, two first steps, a CRF without images).</exception>
    /// <exception cref="ItemFailedException">An item is bad and <see cref="RefineOptions.KeepGoing"/> is false.</exception>
    /// <exception cref="WsssInputException">The output folder is a file, or holds another recipe's outputs and <see cref="RefineOptions.Overwrite"/> is false.</exception>
    public static RefineReport Run(ComputeBackend backend, RefineOptions options, IProgress<int>? progress = null, Action<string>? info = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        var recipe = options.Validate();
        var ids = options.Shard.Select(options.Ids);
        if (File.Exists(options.OutputDirectory))
            throw new WsssInputException(options.OutputDirectory, "--out names a file; it must be a folder (created if missing)");
        options.CheckOutputIsNoInput();
        Directory.CreateDirectory(options.OutputDirectory);
        // Only temporaries of writers that are gone: other shards may be writing into this folder right now.
        int stale = AtomicFileWriter.CleanStaleTemporaries(options.OutputDirectory);
        if (stale > 0) info?.Invoke($"info: removed {stale} partial output(s) of an interrupted run");
        using var ledger = RefineLedger.Open(options, info);

        var classLabels = options.ClassLabelsFile is null ? null : DatasetInputs.ReadClassLabels(options.ClassLabelsFile, options.ClassLabelsCountDifficult);
        var timings = new StageTimings();
        var confusionOptions = new ConfusionOptions(options.Classes, SegmentationMetrics.PredictedIgnoreFor(options.Metric));
        var total = new ConfusionMatrix(options.Classes);
        int written = 0, skipped = 0, scored = 0, noScoresSaid = 0;

        var stream = new BatchStream<ItemInput>(ids, id => Load(id, options, classLabels, ledger, timings), id => DatasetInputs.CamPath(options.CamsDirectory, id),
            options.BatchSize, options.KeepGoing);
        // The CPU path refines several images at once, one per core; a GPU keeps two in flight, so one image's
        // features, unaries, packing and upload run on the host while the other's submission runs on the device.
        int parallelism = backend.ConcurrentImages;
        // One image per core: when a batch keeps every core busy with its own image, each image runs
        // single-threaded, with no barrier between threads inside a CRF iteration (tens per CRF, each
        // of which waits for a preempted thread on a shared machine). A batch smaller than the core
        // count (the tail of the list, --batch-size 1) keeps the intra-image parallelism.
        var perImage = backend is CpuBackend && parallelism > 1 ? new CpuBackend(1) : backend;
        long budget = options.MaxMemoryBytes ?? CrfMemory.DefaultBudgetBytes();
        stream.Run(batch =>
        {
            // Images at once: as many as the cores, fewer when the largest image's estimate times that
            // count would pass the memory budget (one 2000x2000 image with 21 labels needs ~2 GB).
            long largest = batch.Max(item => item.Value.Recipe?.Cams is { } c ? CrfMemory.EstimateBytes(c.Height, c.Width, c.Channels + 1) : 0);
            int atOnce = CrfMemory.ImagesAtOnce(largest, budget, parallelism);
            var itemBackend = atOnce >= parallelism && batch.Count >= parallelism ? perImage : backend;
            ParallelWork.Run(() => Parallel.ForEach(batch, new ParallelOptions { MaxDegreeOfParallelism = atOnce }, item =>
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
                        var output = recipe.Run(itemBackend, input.Recipe!, timings.Add);
                        // ID.png holds what is scored: the labels before the CRF when both are written.
                        labels = output.LabelsBeforeCrf ?? output.Labels;
                        timings.Time("write", () =>
                        {
                            bool saveScores = WriteOutputs(options, input.Id, output, ledger);
                            if (options.SaveScores && output.Scores is null && output.Saved.Count == 0 && Interlocked.Exchange(ref noScoresSaid, 1) == 0)
                                info?.Invoke($"info: --save-scores: the {recipe} recipe gives labels only (no score stack), so no ID.npy is written");
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

        if (ledger.StaleScoresRemoved > 0)
            info?.Invoke($"info: removed {ledger.StaleScoresRemoved} score file(s) (ID.npy) that an earlier --save-scores run wrote beside outputs this run rewrote without them");
        EvalReport? score = options.GroundTruthDirectory is null ? null
            : EvalReport.From(total, options.Metric, scored, backend.Name, failures: stream.Failures, shard: options.Shard.ReportName) with
            {
                ListSha256 = EvalReport.ListHash(options.Ids), Source = $"refine {ledger.Fingerprint}",
            };
        return new RefineReport(written, skipped, stream.Failures, score, timings.Snapshot());
    }

    /// <summary>
    /// Writes the scores (when asked for and the recipe has them), then the label PNG; true when ID.npy was written. Score
    /// files an earlier run wrote for this id and this one does not rewrite are removed first (<see cref="RefineLedger.RemoveStaleScores"/>).
    /// </summary>
    private static bool WriteOutputs(RefineOptions options, string id, RecipeOutput output, RefineLedger ledger)
    {
        var scoreFiles = new List<(string Path, ClassMaps Maps)>(3);
        bool scoresWritten = false;
        if (options.SaveScores)
        {
            var scores = options.ScoresLayout == Methods.ScoreFileLayout.PuzzleCamRw ? output.Saved.GetValueOrDefault("random-walk") ?? output.Scores : output.Scores;
            scoresWritten = scores is not null;
            if (scores is not null) scoreFiles.Add((RefineLedger.ScoresPath(options, id), scores));
            foreach (string folder in new[] { LaHaStep.LowSaved, LaHaStep.HighSaved })
                if (output.Saved.GetValueOrDefault(folder) is { } maps)
                    scoreFiles.Add((Path.Combine(options.OutputDirectory, folder, id + ".npy"), maps));
        }
        ledger.RemoveStaleScores(id, scoreFiles.Select(f => f.Path).ToArray());
        foreach (var (path, maps) in scoreFiles)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFileWriter.Write(path, s => Methods.ScoreFileWriter.Write(s, maps, options.ScoresLayout));
        }
        // With a CRF label suffix the CRF's labels go beside ID.png, which keeps the labels before the CRF; ID.png is
        // written last either way.
        if (CrfLabelPath(options, id) is { } crfLabels)
            AtomicFileWriter.Write(crfLabels, s => LabelPngWriter.Write(s, output.Labels, options.Png));
        AtomicFileWriter.Write(OutputPath(options, id), s => LabelPngWriter.Write(s, output.LabelsBeforeCrf ?? output.Labels, options.Png));
        return scoresWritten;
    }

    /// <summary>The label PNG path of an image: OutputDirectory/ID.png.</summary>
    public static string OutputPath(RefineOptions options, string id) => Path.Combine(options.OutputDirectory, id + ".png");

    /// <summary>The CRF's label PNG when <see cref="RefineOptions.CrfLabelSuffix"/> is set (OutputDirectory/ID{suffix}.png), else null.</summary>
    public static string? CrfLabelPath(RefineOptions options, string id) =>
        options.CrfLabelSuffix is { } suffix ? Path.Combine(options.OutputDirectory, id + suffix + ".png") : null;

    /// <summary>One list item: what its recipe reads (null when its output is complete), its ground truth and existing output.</summary>
    private sealed record ItemInput(string Id, RecipeInput? Recipe, LabelMap? GroundTruth, LabelMap? Existing);

    private static ItemInput Load(string id, RefineOptions o, Io.CamDumps.ClassLabels? classLabels, RefineLedger ledger,
        StageTimings timings)
    {
        return timings.Time("decode", () =>
        {
            LabelMap? gt = o.GroundTruthDirectory is null ? null : DatasetInputs.ReadGroundTruth(o.GroundTruthDirectory, id, o.Classes);
            string output = OutputPath(o, id);
            if (ledger.IsComplete(id))
                return new ItemInput(id, null, gt, LabelPngReader.Read(output));

            // The image's declared size is read first (header only), and its pixels decoded only once the CAM's size
            // matches it: a forged header never costs a decode.
            string? imageFile = o.NeedsImage ? DatasetInputs.ImagePath(o.ImagesDirectory!, id) : null;
            (int Height, int Width)? imageSize = imageFile is null ? null : Io.Images.RgbImageReader.ReadSize(imageFile);
            var present = DatasetInputs.PresentFor(id, classLabels, o.ClassLabelsFile, gt);
            int height = imageSize?.Height ?? gt?.Height ?? 0, width = imageSize?.Width ?? gt?.Width ?? 0;
            string camFile = DatasetInputs.CamPath(o.CamsDirectory, id);
            var dump = DatasetInputs.ReadDump(camFile, o.Format, present, classLabels is not null, height, width, o.MaxDumpElements);
            if (imageSize is { } size && (dump.HighRes.Height != size.Height || dump.HighRes.Width != size.Width))
                throw new WsssInputException(camFile, $"size {dump.HighRes.Width}x{dump.HighRes.Height} does not match the image's {size.Width}x{size.Height}");
            RgbImage? image = imageFile is null ? null : Io.Images.RgbImageReader.Read(imageFile, dump.HighRes.Height, dump.HighRes.Width);
            DatasetInputs.CheckClassIds(camFile, dump.HighRes, o.Classes);
            ClassMaps? icd = o.IcdSeedsDirectory is null ? null
                : DatasetInputs.ReadDump(DatasetInputs.CamPath(o.IcdSeedsDirectory, id), o.Format ?? "icd", present, classLabels is not null, height, width, o.MaxDumpElements).HighRes;
            var input = new RecipeInput(dump.HighRes)
            {
                Id = id,
                File = camFile,
                Image = image,
                ImageFile = imageFile,
                StrideCams = dump.LowRes,
                IcdScores = icd,
            };
            return new ItemInput(id, input, gt, null);
        });
    }

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
                Add(stage, Stopwatch.GetTimestamp() - start);
            }
        }

        public void Time(string stage, Action work) => Time(stage, () => { work(); return 0; });

        /// <summary>Adds a step's elapsed <see cref="Stopwatch"/> ticks (a <see cref="Recipe.Run"/> callback).</summary>
        public void Add(string stage, long ticks)
        {
            lock (_ticks) _ticks[stage] = _ticks.GetValueOrDefault(stage) + ticks;
        }

        public Dictionary<string, double> Snapshot()
        {
            lock (_ticks) return _ticks.ToDictionary(kv => kv.Key, kv => kv.Value / (double)Stopwatch.Frequency);
        }
    }
}
