using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace WsssGpuRefine.Benchmarking;

/// <summary>The stages <c>wsss bench</c> times; <see cref="BenchStages.Key"/> names them in JSON.</summary>
public enum BenchStage
{
    /// <summary>60-threshold sweep (0.00..0.59) of the CAMs against the GT, one pass per image.</summary>
    Sweep,
    /// <summary>Confusion matrix of a prediction against the GT.</summary>
    Confusion,
    /// <summary>IRN random walk on the stride-4 grid (94x125) with the image affinity, upsampled to labels.</summary>
    RandomWalk,
    /// <summary>Dense CRF, irn preset (10 iterations), background + present classes.</summary>
    Crf,
    /// <summary>Sweep, then decode (JPEG + IRN dump, from memory) and random walk + CRF streamed in batches, then confusion of the result.</summary>
    Pipeline,
}

/// <summary>JSON keys, display names and parsing of <see cref="BenchStage"/>.</summary>
public static class BenchStages
{
    /// <summary>Every stage, in the order a full run times them.</summary>
    public static readonly BenchStage[] All = Enum.GetValues<BenchStage>();

    /// <summary>The stage's JSON and <c>--stages</c> key: "sweep60", "confusion", "random-walk", "crf" or "pipeline".</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined stage.</exception>
    public static string Key(BenchStage stage) => stage switch
    {
        BenchStage.Sweep => "sweep60",
        BenchStage.Confusion => "confusion",
        BenchStage.RandomWalk => "random-walk",
        BenchStage.Crf => "crf",
        BenchStage.Pipeline => "pipeline",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    /// <summary>A one-line human description for progress lines and tables, with the workload's size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined stage.</exception>
    public static string Describe(BenchStage stage) => stage switch
    {
        BenchStage.Sweep => "eval sweep (60 thresholds)",
        BenchStage.Confusion => "confusion matrix",
        BenchStage.RandomWalk => "random walk (IRN, 94x125, 256 steps)",
        BenchStage.Crf => "CRF (irn, 10 iters, bg+present)",
        BenchStage.Pipeline => "whole pipeline (sweep+decode+RW+CRF+eval)",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    /// <summary>Parses a comma-separated list of stage keys (or "all").</summary>
    public static BenchStage[] Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "all") return All;
        var stages = new List<BenchStage>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = All.Where(s => Key(s) == part).ToArray();
            if (match.Length == 0)
                throw new ArgumentException($"--stages: unknown stage '{part}' (known: {string.Join(", ", All.Select(Key))}, all)");
            if (!stages.Contains(match[0])) stages.Add(match[0]);
        }
        return [.. stages];
    }
}

/// <summary>One stage on one device. Times are per image, the median over the timed repetitions.</summary>
public sealed record BenchStageResult
{
    /// <summary>The stage's key (see <see cref="BenchStages.Key"/>).</summary>
    [JsonPropertyName("stage")] public required string Stage { get; init; }
    /// <summary>Median over the timed repetitions of wall-clock milliseconds per image.</summary>
    [JsonPropertyName("ms_per_image")] public required double MsPerImage { get; init; }
    /// <summary>1000 / <see cref="MsPerImage"/>; 0 when no time was measured.</summary>
    [JsonPropertyName("images_per_s")] public double ImagesPerSecond => MsPerImage > 0 ? 1000 / MsPerImage : 0;
    /// <summary>CPU ms per image divided by this device's; null when the CPU path was not measured in the run.</summary>
    [JsonPropertyName("speedup_vs_cpu")] public double? SpeedupVsCpu { get; init; }
    /// <summary>Host packing + GPU copies + host unpacking per image, where the backend reports it (Vulkan).</summary>
    [JsonPropertyName("transfer_ms_per_image")] public double? TransferMsPerImage { get; init; }
    /// <summary>GPU kernel time per image from GPU timestamps, where the device has them.</summary>
    [JsonPropertyName("gpu_compute_ms_per_image")] public double? GpuComputeMsPerImage { get; init; }
    /// <summary>Each timed repetition's ms per image, in order.</summary>
    [JsonPropertyName("repetitions_ms_per_image")] public required double[] RepetitionsMsPerImage { get; init; }
    /// <summary>The pipeline stage's decode/compute overlap over the timed repetitions; null for the other stages.</summary>
    [JsonPropertyName("overlap")] public BenchOverlap? Overlap { get; init; }
    /// <summary>A caveat on the figures, e.g. the stage has no GPU kernel and ran on the CPU, or the device has no timestamps.</summary>
    [JsonPropertyName("note")] public string? Note { get; init; }
}

/// <summary>
/// How much of the decoding the computing hid in the pipeline stage (<see cref="Jobs.StreamOverlap"/>), summed over the
/// timed repetitions: overlap = (decode + compute − wall) / min(decode, compute), clamped to 0..1. 0: decode and
/// compute ran one after the other; 1: the shorter of the two was hidden entirely behind the longer.
/// </summary>
public sealed record BenchOverlap
{
    /// <summary>Wall seconds spent decoding batches (each batch's parallel decode), summed over batches and repetitions.</summary>
    [JsonPropertyName("decode_s")] public required double DecodeSeconds { get; init; }
    /// <summary>Wall seconds spent refining batches, summed over batches and repetitions.</summary>
    [JsonPropertyName("compute_s")] public required double ComputeSeconds { get; init; }
    /// <summary>Wall seconds of the streams, first decode to last batch refined, summed over repetitions.</summary>
    [JsonPropertyName("wall_s")] public required double WallSeconds { get; init; }
    /// <summary>Batches streamed, over all repetitions.</summary>
    [JsonPropertyName("batches")] public required int Batches { get; init; }
    /// <summary>Images per batch.</summary>
    [JsonPropertyName("batch_size")] public required int BatchSize { get; init; }
    /// <summary>(decode + compute − wall) / min(decode, compute), clamped to 0..1 (<see cref="Jobs.StreamOverlap.Of"/>).</summary>
    [JsonPropertyName("overlap")] public double Overlap => Jobs.StreamOverlap.Of(DecodeSeconds, ComputeSeconds, WallSeconds);

    /// <summary>The figures of a stream's (summed) timings.</summary>
    public static BenchOverlap From(Jobs.StreamOverlap timings, int batchSize) => new()
    {
        DecodeSeconds = timings.DecodeSeconds,
        ComputeSeconds = timings.ComputeSeconds,
        WallSeconds = timings.WallSeconds,
        Batches = timings.Batches,
        BatchSize = batchSize,
    };
}

/// <summary>All stages on one backend and device.</summary>
public sealed record BenchDeviceResult
{
    /// <summary>The backend's short name, "cpu" or "vulkan".</summary>
    [JsonPropertyName("backend")] public required string Backend { get; init; }
    /// <summary>The device name, e.g. "CPU (16 threads, AVX-512)" or "NVIDIA H100 80GB HBM3 (discrete GPU)".</summary>
    [JsonPropertyName("device")] public required string Device { get; init; }
    /// <summary>True for a software Vulkan driver (lavapipe): its times show correctness only, not GPU speed.</summary>
    [JsonPropertyName("software")] public bool Software { get; init; }
    /// <summary>A caveat on the whole device, e.g. "software, correctness only".</summary>
    [JsonPropertyName("note")] public string? Note { get; init; }
    /// <summary>One result per stage timed, in run order.</summary>
    [JsonPropertyName("stages")] public required List<BenchStageResult> Stages { get; init; }
}

/// <summary>Where the numbers were taken, so reports from several machines can be told apart and set side by side.</summary>
public sealed record BenchMachine
{
    /// <summary>The host name.</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }
    /// <summary>CPU model from /proc/cpuinfo, or the architecture where that is unavailable.</summary>
    [JsonPropertyName("cpu")] public required string Cpu { get; init; }
    /// <summary>Logical processors visible to the process.</summary>
    [JsonPropertyName("cores")] public int Cores { get; init; }
    /// <summary>Operating system description.</summary>
    [JsonPropertyName("os")] public required string Os { get; init; }
    /// <summary>.NET runtime description, e.g. ".NET 10.0.0".</summary>
    [JsonPropertyName("runtime")] public required string Runtime { get; init; }

    /// <summary>The machine this process runs on.</summary>
    public static BenchMachine Current() => new()
    {
        Name = Environment.MachineName,
        Cpu = CpuModel(),
        Cores = Environment.ProcessorCount,
        Os = RuntimeInformation.OSDescription,
        Runtime = RuntimeInformation.FrameworkDescription,
    };

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var i and > 0)
                        return line[(i + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}

/// <summary>The data set and repetition settings of a run.</summary>
public sealed record BenchSettings
{
    /// <summary>Images per timed repetition.</summary>
    [JsonPropertyName("images")] public int Images { get; init; }
    /// <summary>Timed repetitions per stage; the reported time is their median.</summary>
    [JsonPropertyName("repeat")] public int Repeat { get; init; }
    /// <summary>Image width in pixels (500, VOC's common size).</summary>
    [JsonPropertyName("width")] public int Width { get; init; } = VocSizeData.Width;
    /// <summary>Image height in pixels (375).</summary>
    [JsonPropertyName("height")] public int Height { get; init; } = VocSizeData.Height;
    /// <summary>Label classes including background (21).</summary>
    [JsonPropertyName("classes")] public int Classes { get; init; } = VocSizeData.Classes;
    /// <summary>Thresholds in the sweep stage (60: 0.00..0.59).</summary>
    [JsonPropertyName("thresholds")] public int Thresholds { get; init; } = 60;
    /// <summary>The random walk's stride-4 grid as [height, width] cells.</summary>
    [JsonPropertyName("rw_grid")] public int[] RandomWalkGrid { get; init; } = [94, 125];
    /// <summary>CRF preset of the CRF stage.</summary>
    [JsonPropertyName("crf_preset")] public string CrfPreset { get; init; } = "irn";
    /// <summary>Mean-field iterations of the CRF stage.</summary>
    [JsonPropertyName("crf_iterations")] public int CrfIterations { get; init; } = 10;
    /// <summary>Images per batch of the pipeline stage's decode → compute stream; null in reports written before it was recorded.</summary>
    [JsonPropertyName("batch_size")] public int? BatchSize { get; init; }
}

/// <summary>What <c>wsss bench --json</c> writes: schema "wsss-bench/1".</summary>
public sealed record BenchReport
{
    /// <summary>Schema id written in every report; a reader can refuse other versions.</summary>
    public const string SchemaName = "wsss-bench/1";

    /// <summary>The schema id, <see cref="SchemaName"/>.</summary>
    [JsonPropertyName("schema")] public string Schema { get; init; } = SchemaName;
    /// <summary>The wsss build that took the numbers, "VERSION+COMMIT" (<see cref="Core.BuildInfo.Version"/>).</summary>
    [JsonPropertyName("version")] public string Version { get; init; } = Core.BuildInfo.Version;
    /// <summary>When the report was made (after the runs), UTC.</summary>
    [JsonPropertyName("timestamp_utc")] public required DateTime TimestampUtc { get; init; }
    /// <summary>The machine the numbers were taken on.</summary>
    [JsonPropertyName("machine")] public required BenchMachine Machine { get; init; }
    /// <summary>Data set size and repetitions of the run.</summary>
    [JsonPropertyName("settings")] public required BenchSettings Settings { get; init; }
    /// <summary>One entry per backend and device timed.</summary>
    [JsonPropertyName("devices")] public required List<BenchDeviceResult> Devices { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "0.1.0+sha", not "0.1.0\u002Bsha"
        TypeInfoResolver = BenchReportJsonContext.Default,
    };

    private static JsonTypeInfo<BenchReport> JsonType => (JsonTypeInfo<BenchReport>)Options.GetTypeInfo(typeof(BenchReport));

    /// <summary>The report as indented JSON (schema <see cref="SchemaName"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonType);

    /// <summary>Reads a report written by <see cref="ToJson"/>; a file that is not one gives a WsssInputException.</summary>
    public static BenchReport Read(string file)
    {
        string text = File.ReadAllText(file);
        BenchReport? report;
        try
        {
            report = JsonSerializer.Deserialize(text, JsonType);
        }
        catch (JsonException e)
        {
            throw new Core.WsssInputException(file, $"not a wsss bench report: {e.Message}");
        }
        if (report is null || report.Schema != SchemaName)
            throw new Core.WsssInputException(file, $"not a wsss bench report (schema '{report?.Schema}', expected '{SchemaName}')");
        return report;
    }
}

/// <summary>The JSON metadata of <see cref="BenchReport"/>, written at compile time (no reflection at run time, so a NativeAOT build reads and writes it too).</summary>
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchReportJsonContext : JsonSerializerContext;
