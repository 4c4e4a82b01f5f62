using System.Diagnostics;
using System.Globalization;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Sweep;

namespace WsssGpuRefine.Benchmarking;

/// <summary>What <c>wsss bench</c> runs.</summary>
public sealed record BenchOptions
{
    /// <summary>Synthetic VOC-size images per timed repetition.</summary>
    public int Images
    {
        get;
        init => field = value is >= 1 and <= 100_000 ? value : throw new ArgumentException("--images must be in 1..100000", nameof(Images));
    } = 16;

    /// <summary>Timed repetitions per stage (after one untimed warm-up); the report gives their median.</summary>
    public int Repeat
    {
        get;
        init => field = value is >= 1 and <= 1000 ? value : throw new ArgumentException("--repeat must be in 1..1000", nameof(Repeat));
    } = 3;

    /// <summary>Stages to time, in this order; must not be empty (checked by <see cref="BenchRunner"/>).</summary>
    public IReadOnlyList<BenchStage> Stages { get; init; } = BenchStages.All;

    /// <summary>
    /// Images per batch of the pipeline stage's decode → compute stream (<see cref="Jobs.BatchStream{T}"/>, as
    /// <c>wsss refine</c> runs it): batch k+1 is decoded while batch k computes. Default 4, so that the default 16
    /// images make 4 batches; one batch has nothing to overlap with.
    /// </summary>
    public int BatchSize
    {
        get;
        init => field = value is >= 1 and <= 100_000 ? value : throw new ArgumentException("--batch-size must be in 1..100000", nameof(BatchSize));
    } = 4;

    /// <summary>Distinct images generated; larger sets reuse them in turn (generation is not what is measured).</summary>
    public int DistinctImages
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentException("distinct images must be positive", nameof(DistinctImages));
    } = 16;
}

/// <summary>
/// Times each stage of the refinement on one backend, on synthetic VOC-size data held in memory: one warm-up pass on
/// a few images (pipelines, buffer pools, JIT), then <see cref="BenchOptions.Repeat"/> timed passes over all images.
/// The random-walk, CRF and pipeline stages run the <see cref="Recipe"/> steps <c>wsss refine</c> runs. Only the
/// pipeline stage decodes: each image from a JPEG and an IRN CAM dump held as bytes (no disk), streamed through
/// <see cref="BatchStream{T}"/> in batches of <see cref="BenchOptions.BatchSize"/>, so it measures how much decoding
/// the computing hides (<see cref="BenchStageResult.Overlap"/>). The CPU path processes several images at once, as
/// <c>wsss refine</c> does; a GPU keeps <see cref="ComputeBackend.ConcurrentImages"/> (two) in flight.
/// </summary>
public sealed class BenchRunner
{
    private const int WarmupImages = 2;
    private static readonly double[] SweepThresholds = ThresholdSweep.Range(0, 0.59, 0.01);
    private static readonly CrfParameters Crf = CrfParameters.Preset("irn");
    private static readonly RandomWalkOptions Walk = RandomWalkOptions.Irn;

    // The recipes `wsss refine` runs, built by the same RecipeOptions: --rw image; --threshold 0.25 --crf irn (the CRF
    // over a constant-background stack, as after IRN's walk); --rw image --crf irn.
    private static readonly Recipe WalkRecipe = new RecipeOptions
    {
        RandomWalkAffinity = RandomWalkStep.ImageAffinity, RandomWalkAffinityNeedsImage = true, RandomWalk = Walk,
    }.Build();
    private static readonly Recipe CrfRecipe = new RecipeOptions
    {
        Rule = new BackgroundRule.Constant(Walk.BackgroundThreshold), Crf = Crf,
    }.Build();
    private static readonly Recipe PipelineRecipe = new RecipeOptions
    {
        RandomWalkAffinity = RandomWalkStep.ImageAffinity, RandomWalkAffinityNeedsImage = true, RandomWalk = Walk, Crf = Crf,
    }.Build();
    private static readonly ConfusionOptions Confusion = new(VocSizeData.Classes);

    private static readonly CamReadOptions IrnDump = new()
    {
        Preset = CamFormatPreset.Get("irn"), ImageHeight = VocSizeData.Height, ImageWidth = VocSizeData.Width,
    };

    private readonly BenchOptions _options;
    private readonly Item[] _items;
    private readonly Lazy<EncodedItem[]> _encoded;

    private sealed record Item(VocSizeItem Data, ClassMaps StrideCams)
    {
        public RecipeInput Input { get; } = new(Data.Cams) { Image = Data.Image, StrideCams = StrideCams };
    }

    /// <summary>An item as a user's files hold it: the image as a JPEG (quality 95, 4:4:4, as <c>wsss demo</c> writes
    /// it) and the CAMs as an IRN dump (keys, stride-4 <c>cam</c>, <c>high_res</c>), both as bytes in memory.</summary>
    private sealed record EncodedItem(byte[] Jpeg, byte[] Dump);

    /// <summary>Generates the synthetic data in memory up front, so generation is never timed.</summary>
    /// <exception cref="ArgumentException">No stage is selected.</exception>
    public BenchRunner(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Stages.Count == 0) throw new ArgumentException("no stage to run", nameof(options));
        _options = options;
        // IRN dumps hold the stride-4 CAM next to the full-resolution one; pool it here so the walk does not time it.
        var pool = VocSizeData.Pool(Math.Min(options.DistinctImages, options.Images))
            .Select(d => new Item(d, RandomWalker.PoolToStride(d.Cams, Walk.Stride))).ToArray();
        _items = VocSizeData.Repeat(pool, options.Images);
        // Encoded once, and only when the pipeline stage runs (its decode is timed, the encode never is).
        _encoded = new(() =>
        {
            var encoded = pool.Select(Encode).ToArray();
            return VocSizeData.Repeat(encoded, options.Images);
        });
    }

    private static EncodedItem Encode(Item item)
    {
        using var jpeg = new MemoryStream();
        SyntheticSampleWriter.WriteJpeg(jpeg, item.Data.Image);
        using var dump = new MemoryStream();
        var cams = item.Data.Cams;
        var stride = item.StrideCams;
        SeedDumpWriter.WriteIrn(dump, cams.LabelIds.Select(id => (long)(id - 1)).ToArray(),
            stride.Data, [stride.Channels, stride.Height, stride.Width], cams.Data, [cams.Channels, cams.Height, cams.Width]);
        return new EncodedItem(jpeg.ToArray(), dump.ToArray());
    }

    /// <summary>What <c>wsss refine</c>'s loader does for one item, minus the file reads: decode the JPEG and the IRN dump.</summary>
    private static RecipeInput Decode(EncodedItem item)
    {
        var image = RgbImageReader.Decode(item.Jpeg);
        var dump = CamDumpReader.Interpret(NpyReader.Read(item.Dump), IrnDump);
        return new RecipeInput(dump.HighRes) { Image = image, StrideCams = dump.LowRes };
    }

    /// <summary>The settings to record in the report (sizes, thresholds, random-walk grid, CRF preset).</summary>
    public BenchSettings Settings => new()
    {
        Images = _options.Images,
        Repeat = _options.Repeat,
        Thresholds = SweepThresholds.Length,
        RandomWalkGrid = [_items[0].StrideCams.Height, _items[0].StrideCams.Width],
        CrfPreset = Crf.Name,
        CrfIterations = Crf.Iterations,
        BatchSize = _options.BatchSize,
    };

    /// <summary>Runs every selected stage on <paramref name="backend"/>; <paramref name="progress"/> hears each stage's start.</summary>
    public List<BenchStageResult> Run(ComputeBackend backend, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var results = new List<BenchStageResult>();
        foreach (var stage in _options.Stages)
        {
            progress?.Invoke($"{backend.Name} {backend.DeviceName}: {BenchStages.Describe(stage)}");
            results.Add(Measure(backend, stage));
        }
        return results;
    }

    /// <summary>Fills <see cref="BenchStageResult.SpeedupVsCpu"/> of every device from the CPU device's rows.</summary>
    public static void AddSpeedups(IList<BenchDeviceResult> devices)
    {
        var cpu = devices.FirstOrDefault(d => d.Backend == "cpu");
        if (cpu is null) return;
        foreach (var device in devices)
            for (int i = 0; i < device.Stages.Count; i++)
            {
                var row = device.Stages[i];
                if (cpu.Stages.FirstOrDefault(s => s.Stage == row.Stage) is { } baseline && row.MsPerImage > 0)
                    device.Stages[i] = row with { SpeedupVsCpu = baseline.MsPerImage / row.MsPerImage };
            }
    }

    private BenchStageResult Measure(ComputeBackend backend, BenchStage stage)
    {
        var vk = backend as VulkanBackend;
        RunStage(backend, stage, Math.Min(WarmupImages, _items.Length));
        vk?.ResetTimings();
        var perImage = new double[_options.Repeat];
        StreamOverlap? overlap = null;
        for (int r = 0; r < _options.Repeat; r++)
        {
            long start = Stopwatch.GetTimestamp();
            var streamed = RunStage(backend, stage, _items.Length);
            perImage[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / _items.Length;
            if (streamed is { } o) overlap = overlap is { } sum ? sum + o : o;
        }
        double[] sorted = [.. perImage.Order()];
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

        double? transfer = null, compute = null;
        string? note = null;
        if (vk is not null)
        {
            var t = vk.Timings;
            double n = (double)_options.Repeat * _items.Length;
            if (t.Submissions == 0)
                note = "no GPU kernel for this stage: ran on the CPU";
            else
            {
                transfer = t.TransferMs / n;
                compute = t.HasGpuTimestamps ? t.GpuComputeMs / n : null;
                if (!t.HasGpuTimestamps) note = "device has no GPU timestamps: transfer is host-side only";
            }
        }
        return new BenchStageResult
        {
            Stage = BenchStages.Key(stage),
            MsPerImage = median,
            RepetitionsMsPerImage = perImage,
            TransferMsPerImage = transfer,
            GpuComputeMsPerImage = compute,
            Overlap = overlap is { } total ? BenchOverlap.From(total, _options.BatchSize) : null,
            Note = note,
        };
    }

    /// <summary>Runs a stage on the first <paramref name="count"/> items; the pipeline stage returns its stream's timings.</summary>
    private StreamOverlap? RunStage(ComputeBackend backend, BenchStage stage, int count)
    {
        var items = count == _items.Length ? _items : _items[..count];
        switch (stage)
        {
            case BenchStage.Sweep:
                Sweep(backend, items);
                return null;
            case BenchStage.Confusion:
                ConfusionCounting.Count(backend, items.Select(i => new LabelPair(i.Data.Predicted, i.Data.Gt)).ToArray(), Confusion);
                return null;
            case BenchStage.RandomWalk:
                PerImage(backend, items, item => WalkRecipe.Run(backend, item.Input));
                return null;
            case BenchStage.Crf:
                PerImage(backend, items, item => CrfRecipe.Run(backend, item.Input));
                return null;
            case BenchStage.Pipeline:
                return Pipeline(backend, items, _encoded.Value, _options.BatchSize);
            default:
                throw new ArgumentOutOfRangeException(nameof(stage));
        }
    }

    private static ConfusionMatrix Sweep(ComputeBackend backend, Item[] items)
    {
        var sweep = new ThresholdSweep(SweepThresholds, VocSizeData.Classes);
        sweep.Add(backend, items.Select(i => new CamWithGroundTruth(i.Data.Cams, i.Data.Gt)).ToArray());
        return sweep.ConfusionAt(0);
    }

    /// <summary>
    /// What a user's refine-and-score run does, minus file reads and writes: the sweep, then each image decoded (JPEG
    /// and IRN dump) and refined through a <see cref="BatchStream{T}"/>, which decodes batch k+1 while batch k is
    /// refined, then the confusion of the results.
    /// </summary>
    /// <returns>The stream's decode, compute and wall time.</returns>
    private static StreamOverlap Pipeline(ComputeBackend backend, Item[] items, EncodedItem[] encoded, int batchSize)
    {
        Sweep(backend, items);
        var refined = new LabelMap[items.Length];
        var ids = Enumerable.Range(0, items.Length).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var stream = new BatchStream<RecipeInput>(ids, id => Decode(encoded[int.Parse(id, CultureInfo.InvariantCulture)]), id => id,
            batchSize, keepGoing: false);
        stream.Run(batch => Parallel.ForEach(batch, new ParallelOptions { MaxDegreeOfParallelism = backend.ConcurrentImages },
            item => refined[item.Index] = PipelineRecipe.Run(backend, item.Value).Labels));
        ConfusionCounting.Count(backend, items.Select((item, i) => new LabelPair(refined[i], item.Data.Gt)).ToArray(), Confusion);
        return stream.Timings;
    }

    private static void PerImage<T>(ComputeBackend backend, Item[] items, Func<Item, T> work) =>
        Parallel.For(0, items.Length, new ParallelOptions { MaxDegreeOfParallelism = backend.ConcurrentImages }, i => work(items[i]));
}
