using System.Text.Json;
using System.Text.Json.Serialization;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Jobs;

/// <summary>One point of a threshold sweep.</summary>
public sealed record SweepPoint(
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("miou")] double MeanIou);

/// <summary>The result of scoring, with the JSON layout of the CLI contract (fractions, not percent).</summary>
public sealed record EvalReport
{
    [JsonPropertyName("miou")] public double MeanIou { get; init; }
    [JsonPropertyName("iou")] public double?[] Iou { get; init; } = [];
    [JsonPropertyName("images")] public int Images { get; init; }
    [JsonPropertyName("metric")] public string Metric { get; init; } = "chainercv";

    [JsonPropertyName("threshold")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Threshold { get; init; }

    [JsonPropertyName("bg_power")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BackgroundPower { get; init; }

    [JsonPropertyName("sweep")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SweepPoint[]? Sweep { get; init; }

    [JsonPropertyName("confusion")] public long[][] Confusion { get; init; } = [];

    [JsonPropertyName("format")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Format { get; init; }

    [JsonPropertyName("backend")] public string Backend { get; init; } = "cpu";

    [JsonPropertyName("failures")] public string[] Failures { get; init; } = [];

    /// <summary>Each sweep threshold's confusion matrix, so shards of a sweep merge exactly (<c>wsss merge</c>).</summary>
    [JsonPropertyName("sweep_confusion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[][][]? SweepConfusion { get; init; }

    [JsonPropertyName("shard")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Shard { get; init; }

    public static EvalReport From(ConfusionMatrix confusion, SegmentationMetric metric, int images, string backend,
        double? threshold = null, double? backgroundPower = null, SweepPoint[]? sweep = null, string? format = null,
        IEnumerable<ItemFailure>? failures = null, ConfusionMatrix[]? sweepConfusions = null, string? shard = null)
    {
        var result = SegmentationMetrics.Compute(confusion, metric);
        return new EvalReport
        {
            MeanIou = result.MeanIou,
            Iou = result.Iou,
            Images = images,
            Metric = SegmentationMetrics.Name(metric),
            Threshold = threshold,
            BackgroundPower = backgroundPower,
            Sweep = sweep,
            Confusion = confusion.ToJagged(),
            Format = format,
            Backend = backend,
            Failures = failures?.Select(f => f.ToString()).ToArray() ?? [],
            SweepConfusion = sweepConfusions?.Select(c => c.ToJagged()).ToArray(),
            Shard = shard,
        };
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static EvalReport FromJson(string json) =>
        JsonSerializer.Deserialize<EvalReport>(json, JsonOptions) ?? throw new JsonException("empty report");
}
