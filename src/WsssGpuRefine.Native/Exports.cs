using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Native;

/// <summary>
/// The C ABI of libwsss_refine.so. Every export returns a status (0 ok, 1 bad input, 2 file not found or I/O,
/// 3 backend or internal failure, 4 unknown or closed handle, 5 file not found); on failure <c>wsss_last_error</c> gives the
/// one-line message the CLI prints after <c>error: </c>. No exception ever crosses the boundary.
/// Arrays are C-contiguous and owned by the caller (the Python side checks dtype, shape and contiguity before
/// calling); the library copies what it keeps and writes results into caller-allocated buffers.
/// Engines and dumps are handed out as integer ids, never pointers, so a stale or forged id is an error, not a crash.
/// <c>wsss_abi_version</c> stays 1 while exports are only added (revision 2 added <c>wsss_confusion_v2</c> and
/// <c>wsss_metric_v2</c>); a caller that needs an export checks that the symbol exists.
/// </summary>
internal static unsafe class Exports
{
    private const int Ok = 0, BadInput = 1, IoError = 2, Internal = 3, BadHandle = 4, NotFound = 5;

    [ThreadStatic] private static string? _lastError;
    [ThreadStatic] private static int _repeat;
    [ThreadStatic] private static long _elapsedTicks;

    private static long _nextId;
    private static readonly ConcurrentDictionary<long, Engine> Engines = new();
    private static readonly ConcurrentDictionary<long, object> Objects = new();

    /// <summary>One backend kept warm across calls. Calls on one engine are serialised (the Vulkan backend is not thread-safe).</summary>
    private sealed class Engine(PseudoLabeler labeler)
    {
        public readonly PseudoLabeler Labeler = labeler;
        public readonly Lock Gate = new();
        public ComputeBackend Backend => Labeler.Backend;
    }

    private sealed class HandleException(string message) : Exception(message);

    // ------------------------------------------------------------------ plumbing

    private static int Guard(Func<int> body)
    {
        try
        {
            _lastError = null;
            return body();
        }
        catch (Exception e)
        {
            (int status, string line) = Describe(e);
            _lastError = line;
            if (Environment.GetEnvironmentVariable("WSSS_DEBUG") == "1") Console.Error.WriteLine(e);
            return status;
        }
    }

    /// <summary>The CLI's one-line rendering (Cli/Commands/CliRunner.Describe), with a status class for the Python exception type.</summary>
    private static (int, string) Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        HandleException h => (BadHandle, h.Message),
        WsssInputException { InnerException: FileNotFoundException or DirectoryNotFoundException } w => (NotFound, w.Message),
        WsssInputException w => (BadInput, w.Message),
        VulkanBackendException v => (Internal, v.Message),
        ArgumentException a => (BadInput, ErrorLines.OneLine(a)),
        FileNotFoundException f => (NotFound, $"{f.FileName}: file not found"),
        DirectoryNotFoundException d => (NotFound, d.Message),
        IOException io => (IoError, io.Message),
        UnauthorizedAccessException u => (IoError, u.Message),
        OutOfMemoryException => (Internal, "out of memory"),
        _ => (Internal, $"internal error: {e.GetType().Name}: {e.Message} (please report it; WSSS_DEBUG=1 prints the stack trace)"),
    };

    private static int WithEngine(long id, Action<Engine> body) => Guard(() =>
    {
        if (!Engines.TryGetValue(id, out var engine)) throw new HandleException("the engine is closed");
        lock (engine.Gate)
        {
            if (!Engines.ContainsKey(id)) throw new HandleException("the engine is closed");
            body(engine);
        }
        return Ok;
    });

    private static string Utf8(byte* text) => text is null ? "" : Marshal.PtrToStringUTF8((nint)text) ?? "";

    private static int CopyOut(string text, byte* buffer, int capacity)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (buffer is not null && capacity > 0)
        {
            int n = Math.Min(bytes.Length, capacity - 1);
            bytes.AsSpan(0, n).CopyTo(new Span<byte>(buffer, capacity));
            buffer[n] = 0;
        }
        return bytes.Length;
    }

    private static T[] Copy<T>(T* source, long count) where T : unmanaged
    {
        if (count < 0 || count > Array.MaxLength) throw new ArgumentException($"array of {count} elements is too large");
        if (count > 0 && source is null) throw new ArgumentException("null array");
        return new ReadOnlySpan<T>(source, checked((int)count)).ToArray();
    }

    private static ClassMaps Maps(float* data, int channels, int height, int width, int* labelIds, string what = "cams")
    {
        if (channels < 0 || height <= 0 || width <= 0) throw new ArgumentException($"bad map shape ({channels}, {height}, {width})");
        return new ClassMaps(Copy(labelIds, channels), height, width, Finite(Copy(data, (long)channels * height * width), what));
    }

    /// <summary>NaN or Inf would silently decide argmaxes and CRF energies: refuse them, naming the first one.</summary>
    private static float[] Finite(float[] data, string what)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var span = data.AsSpan();
            // x - x is 0 for every finite x and NaN for NaN and ±Inf.
            for (; i <= span.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(span[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero)) break;
            }
        }
        for (; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new WsssInputException(null, $"{what}: contains NaN or Inf ({data[i]} at flat index {i})");
        return data;
    }

    private static RgbImage Image(byte* pixels, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"bad image shape ({height}, {width}, 3)");
        return new RgbImage(height, width, Copy(pixels, 3L * height * width));
    }

    private static LabelMap Labels(byte* labels, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"bad label map shape ({height}, {width})");
        return new LabelMap(height, width, Copy(labels, (long)height * width));
    }

    private static void Store(LabelMap labels, byte* output) => labels.Labels.AsSpan().CopyTo(new Span<byte>(output, labels.PixelCount));

    private static void Store(ClassMaps maps, float* output) => maps.Data.AsSpan().CopyTo(new Span<float>(output, maps.Data.Length));

    private static BackgroundRule Rule(int kind, double value) => kind switch
    {
        0 => new BackgroundRule.Constant(value),
        1 => new BackgroundRule.Power(value),
        _ => throw new ArgumentException($"unknown background rule {kind}"),
    };

    private static long Register(object value)
    {
        long id = Interlocked.Increment(ref _nextId);
        Objects[id] = value;
        return id;
    }

    private static T Lookup<T>(long id) where T : class =>
        Objects.TryGetValue(id, out var o) && o is T t ? t : throw new HandleException($"no such {typeof(T).Name} handle {id} (already freed?)");

    // ------------------------------------------------------------------ engine

    [UnmanagedCallersOnly(EntryPoint = "wsss_abi_version")]
    public static int AbiVersion() => 1;

    [UnmanagedCallersOnly(EntryPoint = "wsss_last_error")]
    public static int LastError(byte* buffer, int capacity) => CopyOut(_lastError ?? "", buffer, capacity);

    [UnmanagedCallersOnly(EntryPoint = "wsss_engine_open")]
    public static int EngineOpen(int backend, long* id) => Guard(() =>
    {
        var preference = backend switch
        {
            0 => BackendPreference.Auto,
            1 => BackendPreference.Cpu,
            2 => BackendPreference.Vulkan,
            _ => throw new ArgumentException($"unknown backend {backend}"),
        };
        var engine = new Engine(new PseudoLabeler(preference));
        long next = Interlocked.Increment(ref _nextId);
        Engines[next] = engine;
        *id = next;
        return Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "wsss_engine_close")]
    public static int EngineClose(long id) => Guard(() =>
    {
        if (!Engines.TryGetValue(id, out var engine)) return Ok;   // closing twice is harmless
        lock (engine.Gate)
        {
            if (Engines.TryRemove(id, out _)) engine.Labeler.Dispose();
        }
        return Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "wsss_engine_describe")]
    public static int EngineDescribe(long id, byte* buffer, int capacity, int* length)
    {
        string text = "";
        int status = WithEngine(id, e => text = $"{e.Backend.Name}\t{e.Backend.DeviceName}");
        *length = CopyOut(text, buffer, capacity);
        return status;
    }

    /// <summary>
    /// The C# call inside an export (inputs already managed arrays), run <see cref="_repeat"/> times and timed, so
    /// bench/python can tell the binding's cost from the engine's. Outside a benchmark it runs once.
    /// </summary>
    private static T Timed<T>(Func<T> call)
    {
        int n = Math.Max(1, _repeat);
        long start = Stopwatch.GetTimestamp();
        T result = call();
        for (int i = 1; i < n; i++) result = call();
        _elapsedTicks = Stopwatch.GetTimestamp() - start;
        return result;
    }

    /// <summary>Benchmarks only: the engine call inside the next exports on this thread runs <paramref name="times"/> times.</summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_bench_repeat")]
    public static int BenchRepeat(int times)
    {
        _repeat = times;
        return Ok;
    }

    /// <summary>Benchmarks only: seconds per run of the engine call inside the last export on this thread.</summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_bench_elapsed")]
    public static double BenchElapsed() => _elapsedTicks / (double)Stopwatch.Frequency / Math.Max(1, _repeat);

    /// <summary>A call that does nothing on the engine: the binding's own per-call cost (bench/python).</summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_engine_noop")]
    public static int EngineNoop(long id) => WithEngine(id, _ => { });

    // ------------------------------------------------------------------ threshold, scores, sweep, confusion

    [UnmanagedCallersOnly(EntryPoint = "wsss_threshold")]
    public static int ThresholdLabels(long id, float* cams, int channels, int height, int width, int* labelIds, int rule, double value, byte* output) =>
        WithEngine(id, e =>
        {
            var maps = Maps(cams, channels, height, width, labelIds);
            var backgroundRule = Rule(rule, value);
            Store(Timed(() => e.Labeler.Label([maps], backgroundRule)[0]), output);
        });

    [UnmanagedCallersOnly(EntryPoint = "wsss_scores")]
    public static int Scores(long id, float* cams, int channels, int height, int width, int* labelIds, int rule, double value, float* output) =>
        WithEngine(id, e => Store(RecipeAdapter.Scores(e.Labeler, Maps(cams, channels, height, width, labelIds), Rule(rule, value)), output));

    [UnmanagedCallersOnly(EntryPoint = "wsss_sweep")]
    public static int SweepAdd(long id, float* cams, int channels, int height, int width, int* labelIds, byte* gt,
        double* thresholds, int thresholdCount, int classes, long* counts) =>
        WithEngine(id, e =>
        {
            var maps = Maps(cams, channels, height, width, labelIds);
            var truth = Labels(gt, height, width);
            var sweep = PseudoLabeler.NewSweep(Copy(thresholds, thresholdCount), classes);
            e.Labeler.AddToSweep(sweep, [new CamWithGroundTruth(maps, truth)]);
            int k2 = classes * classes;
            for (int t = 0; t < thresholdCount; t++)
            {
                var matrix = sweep.ConfusionAt(t);
                for (int i = 0; i < k2; i++) counts[(long)t * k2 + i] += matrix.Counts[i];
            }
        });

    [UnmanagedCallersOnly(EntryPoint = "wsss_confusion")]
    public static int ConfusionAdd(long id, byte* predicted, byte* gt, int images, int height, int width, int classes, int skipPredictedIgnore, long* counts) =>
        WithEngine(id, e => AddConfusion(e, predicted, gt, images, height, width, classes,
            skipPredictedIgnore != 0 ? PredictedIgnore.Skip : PredictedIgnore.CountAsBackground, counts, null));

    /// <summary>
    /// ABI revision 2 of <c>wsss_confusion</c>: counts as <paramref name="predictedIgnore"/> says (the
    /// <see cref="PredictedIgnore"/> value <c>wsss_metric_v2</c> gives for the metric: 0 as background, 1 skipped,
    /// 2 ground-truth row only, SEAM's rule). <paramref name="ignoredPredictions"/> (K longs, added to) receives, per
    /// ground-truth class, the pixels predicted 255 under rule 2; it may be null under the other rules.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_confusion_v2")]
    public static int ConfusionAddV2(long id, byte* predicted, byte* gt, int images, int height, int width, int classes,
        int predictedIgnore, long* counts, long* ignoredPredictions) =>
        WithEngine(id, e =>
        {
            var rule = predictedIgnore switch
            {
                0 => PredictedIgnore.CountAsBackground,
                1 => PredictedIgnore.Skip,
                2 => PredictedIgnore.GroundTruthRowOnly,
                _ => throw new ArgumentException($"unknown predicted-ignore rule {predictedIgnore}"),
            };
            if (rule == PredictedIgnore.GroundTruthRowOnly && ignoredPredictions is null)
                throw new ArgumentException("the ground-truth-row-only rule needs an ignored-predictions buffer");
            AddConfusion(e, predicted, gt, images, height, width, classes, rule, counts, ignoredPredictions);
        });

    /// <summary>Both revisions of <c>wsss_confusion</c>: counts the pairs and adds them (and the ignored predictions, when asked for).</summary>
    private static void AddConfusion(Engine e, byte* predicted, byte* gt, int images, int height, int width, int classes,
        PredictedIgnore rule, long* counts, long* ignoredPredictions)
    {
        if (images < 0) throw new ArgumentException("negative image count");
        long px = (long)height * width;
        var pairs = new LabelPair[images];
        for (int i = 0; i < images; i++)
            pairs[i] = new LabelPair(Labels(predicted + i * px, height, width), Labels(gt + i * px, height, width));
        var matrix = ConfusionCounting.Count(e.Backend, pairs, new ConfusionOptions(classes, rule));
        for (int i = 0; i < classes * classes; i++) counts[i] += matrix.Counts[i];
        if (ignoredPredictions is not null)
            for (int c = 0; c < classes; c++) ignoredPredictions[c] += matrix.IgnoredPredictions[c];
    }

    /// <summary>
    /// mIoU and per-class IoU (NaN where undefined) of a confusion matrix (rows = ground truth). Kept for callers of
    /// the first revision: its 0/1 skip flag cannot say SEAM's rule (seam reads as "count as background" here);
    /// <c>wsss_metric_v2</c> and <c>wsss_confusion_v2</c> give the CLI's seam numbers.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_metric")]
    public static int Metric(long* counts, int classes, byte* metricName, int* skipPredictedIgnore, double* miou, double* iou) => Guard(() =>
    {
        var metric = ParseMetric(metricName);
        *skipPredictedIgnore = SegmentationMetrics.PredictedIgnoreFor(metric) == PredictedIgnore.Skip ? 1 : 0;
        if (counts is not null) ComputeMetric(metric, counts, null, classes, miou, iou);   // null counts: a name check only
        return Ok;
    });

    /// <summary>
    /// ABI revision 2 of <c>wsss_metric</c>: <paramref name="predictedIgnore"/> receives the metric's
    /// <see cref="PredictedIgnore"/> rule (0 as background, 1 skipped, 2 ground-truth row only) to count with, and
    /// <paramref name="ignoredPredictions"/> (K longs, or null for none) the pixels predicted 255 per ground-truth
    /// class that rule 2 kept out of the matrix, so SEAM's T includes them as the CLI's does.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_metric_v2")]
    public static int MetricV2(long* counts, long* ignoredPredictions, int classes, byte* metricName, int* predictedIgnore, double* miou, double* iou) => Guard(() =>
    {
        var metric = ParseMetric(metricName);
        *predictedIgnore = SegmentationMetrics.PredictedIgnoreFor(metric) switch
        {
            PredictedIgnore.Skip => 1,
            PredictedIgnore.GroundTruthRowOnly => 2,
            _ => 0,
        };
        if (counts is not null) ComputeMetric(metric, counts, ignoredPredictions, classes, miou, iou);   // null counts: a name check only
        return Ok;
    });

    private static SegmentationMetric ParseMetric(byte* metricName)
    {
        string name = Utf8(metricName);
        return SegmentationMetrics.TryParse(name, out var metric) ? metric
            : throw new ArgumentException($"unknown metric '{name}' (known: chainercv, seam, gt-present, wsgcn, icd)");
    }

    /// <summary>Both revisions of <c>wsss_metric</c>: mIoU and per-class IoU (NaN where undefined) of the counts.</summary>
    private static void ComputeMetric(SegmentationMetric metric, long* counts, long* ignoredPredictions, int classes, double* miou, double* iou)
    {
        if (classes is < 1 or > 255) throw new ArgumentException($"classes must be in 1..255 (got {classes})");
        var matrix = new ConfusionMatrix(classes, Copy(counts, (long)classes * classes));
        if (ignoredPredictions is not null) new ReadOnlySpan<long>(ignoredPredictions, classes).CopyTo(matrix.IgnoredPredictions);
        var result = SegmentationMetrics.Compute(matrix, metric);
        *miou = result.MeanIou;
        for (int c = 0; c < classes; c++) iou[c] = result.Iou[c] ?? double.NaN;
    }

    // ------------------------------------------------------------------ CRF and recipes

    [UnmanagedCallersOnly(EntryPoint = "wsss_crf")]
    public static int Crf(long id, byte* pixels, int height, int width, float* scores, int channels, int* labelIds, byte* preset, byte* output) =>
        WithEngine(id, e =>
        {
            var crf = RecipeAdapter.ParseCrf(Utf8(preset));
            var (image, maps) = (Image(pixels, height, width), Maps(scores, channels, height, width, labelIds, "scores"));
            Store(Timed(() => RecipeAdapter.Crf(e.Backend, image, maps, crf)), output);
        });

    [UnmanagedCallersOnly(EntryPoint = "wsss_crf_labels")]
    public static int CrfLabels(long id, byte* pixels, int height, int width, byte* labels, int classes, byte* preset, byte* output) =>
        WithEngine(id, e =>
        {
            var crf = RecipeAdapter.ParseCrf(Utf8(preset));
            Store(RecipeAdapter.CrfOfLabels(e.Backend, Image(pixels, height, width), Labels(labels, height, width), crf, classes), output);
        });

    [UnmanagedCallersOnly(EntryPoint = "wsss_ir_label")]
    public static int IrLabel(long id, byte* pixels, int height, int width, float* cams, int channels, int* labelIds,
        float fg, float bg, byte* preset, byte* output) =>
        WithEngine(id, e =>
        {
            var crf = preset is null ? null : RecipeAdapter.ParseCrf(Utf8(preset));
            var (image, maps) = (Image(pixels, height, width), Maps(cams, channels, height, width, labelIds));
            Store(Timed(() => RecipeAdapter.IrLabel(e.Backend, image, maps, fg, bg, crf)), output);
        });

    [UnmanagedCallersOnly(EntryPoint = "wsss_la_ha")]
    public static int LaHa(long id, byte* pixels, int height, int width, float* cams, int channels, int* labelIds,
        float low, float high, byte* preset, byte* output) =>
        WithEngine(id, e =>
        {
            var crf = preset is null ? null : RecipeAdapter.ParseCrf(Utf8(preset));
            Store(RecipeAdapter.LaHa(e.Backend, Image(pixels, height, width), Maps(cams, channels, height, width, labelIds), low, high, crf), output);
        });

    /// <summary>
    /// IRN's random walk. affinityKind: 0 image (pixels), 1 boundary (float (gh,gw)), 2 features (float (affinityChannels,gh,gw)),
    /// 3 matrix (float (gh·gw, gh·gw)). scoresOutput, when not null, receives (channels + 1, height, width): the constant
    /// background first, as the CRF after the walk consumes it.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_random_walk")]
    public static int RandomWalk(long id, float* grid, int channels, int gridHeight, int gridWidth, int* labelIds,
        int affinityKind, byte* pixels, float* affinity, int affinityChannels, int height, int width,
        double beta, int expTimes, int radius, double backgroundThreshold, byte* labelsOutput, float* scoresOutput) =>
        WithEngine(id, e =>
        {
            var options = RandomWalkOptions.Irn with
            {
                Beta = (float)beta, ExpTimes = expTimes, Radius = radius, BackgroundThreshold = (float)backgroundThreshold,
            };
            var cams = Maps(grid, channels, gridHeight, gridWidth, labelIds);
            long cells = (long)gridHeight * gridWidth;
            RandomWalkAffinity source = affinityKind switch
            {
                0 => ImageAffinity.FromImage(Image(pixels, height, width), options.Stride, options.Radius),
                1 => BoundaryAffinity.FromBoundary(Finite(Copy(affinity, cells), "boundary"), gridHeight, gridWidth, options.Radius),
                2 => FeatureAffinity.FromFeatures(Finite(Copy(affinity, affinityChannels * cells), "features"), affinityChannels, gridHeight, gridWidth, options.Radius),
                3 => new DenseMatrixAffinity(Finite(Copy(affinity, cells * cells), "matrix"), gridHeight, gridWidth),
                _ => throw new ArgumentException($"unknown affinity kind {affinityKind}"),
            };
            if (source.Height != gridHeight || source.Width != gridWidth)
                throw new WsssInputException(null, $"the affinity grid is {source.Height}x{source.Width} (h x w) but the CAM grid is {gridHeight}x{gridWidth}");
            var (labels, scores) = RecipeAdapter.RandomWalk(e.Backend, cams, source, height, width, options);
            Store(labels, labelsOutput);
            if (scoresOutput is not null) Store(scores, scoresOutput);
        });

    // ------------------------------------------------------------------ files

    /// <summary>
    /// Reads a CAM dump with the safe reader. dims receives (C, H, W, c, h, w): the full-resolution maps and, where the
    /// dump has one, the stride map (c = 0 otherwise). Copy the arrays out with wsss_dump_copy, then wsss_free.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_read_dump")]
    public static int ReadDump(byte* path, byte* format, int* present, int presentCount, int imageHeight, int imageWidth, long* handle, int* dims) => Guard(() =>
    {
        string file = Utf8(path);
        var options = new CamReadOptions
        {
            Preset = format is null ? null : CamFormatPreset.Get(Utf8(format)),
            PresentForegroundClasses = presentCount < 0 ? null : new SortedSet<int>(Copy(present, presentCount)),
            ImageHeight = imageHeight,
            ImageWidth = imageWidth,
        };
        var dump = CamDumpReader.Read(file, options);
        var high = dump.HighRes.ForegroundOnly();
        var low = dump.LowRes?.ForegroundOnly();
        int[] shape = [high.Channels, high.Height, high.Width, low?.Channels ?? 0, low?.Height ?? 0, low?.Width ?? 0];
        shape.AsSpan().CopyTo(new Span<int>(dims, 6));
        *handle = Register(new CamDump(high, low, dump.Format));
        return Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "wsss_dump_copy")]
    public static int DumpCopy(long handle, int* labelIds, float* cams, int* strideLabelIds, float* strideCams, byte* format, int formatCapacity) => Guard(() =>
    {
        var dump = Lookup<CamDump>(handle);
        dump.HighRes.LabelIds.AsSpan().CopyTo(new Span<int>(labelIds, dump.HighRes.Channels));
        Store(dump.HighRes, cams);
        if (dump.LowRes is { } low && strideCams is not null)
        {
            low.LabelIds.AsSpan().CopyTo(new Span<int>(strideLabelIds, low.Channels));
            Store(low, strideCams);
        }
        CopyOut(dump.FormatName, format, formatCapacity);
        return Ok;
    });

    /// <summary>Decodes an RGB image (JPEG bit-exact with libjpeg, as the CLI) or a label PNG; dims receives (H, W, channels).</summary>
    [UnmanagedCallersOnly(EntryPoint = "wsss_read_image")]
    public static int ReadImage(byte* path, int labels, long* handle, int* dims) => Guard(() =>
    {
        string file = Utf8(path);
        if (labels != 0)
        {
            var map = LabelPngReader.Read(file);
            (dims[0], dims[1], dims[2]) = (map.Height, map.Width, 1);
            *handle = Register(map.Labels);
        }
        else
        {
            var image = RgbImageReader.Read(file);
            (dims[0], dims[1], dims[2]) = (image.Height, image.Width, 3);
            *handle = Register(image.Pixels);
        }
        return Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "wsss_bytes_copy")]
    public static int BytesCopy(long handle, byte* output, long capacity) => Guard(() =>
    {
        var bytes = Lookup<byte[]>(handle);
        if (capacity < bytes.Length) throw new ArgumentException($"buffer of {capacity} bytes is smaller than {bytes.Length}");
        bytes.AsSpan().CopyTo(new Span<byte>(output, bytes.Length));
        return Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "wsss_free")]
    public static int Free(long handle) => Guard(() =>
    {
        Objects.TryRemove(handle, out _);
        return Ok;
    });

    [UnmanagedCallersOnly(EntryPoint = "wsss_write_labels")]
    public static int WriteLabels(byte* path, byte* labels, int height, int width, byte* png) => Guard(() =>
    {
        RecipeAdapter.WriteLabels(Utf8(path), Labels(labels, height, width), Utf8(png));
        return Ok;
    });
}
