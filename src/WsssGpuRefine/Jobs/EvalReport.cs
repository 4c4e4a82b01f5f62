using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Jobs;

/// <summary>One point of a threshold sweep.</summary>
public sealed record SweepPoint(
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("miou"), JsonConverter(typeof(NullForNaN))] double MeanIou);

/// <summary>The result of scoring, with the JSON layout of the CLI contract (fractions, not percent).</summary>
public sealed record EvalReport
{
    /// <summary>Mean IoU as a fraction (0..1, not percent), under <see cref="Metric"/>'s definition.</summary>
    /// <remarks>NaN (no class counted, e.g. a ground truth that is all 255) is written as JSON null.</remarks>
    [JsonPropertyName("miou")]
    [JsonConverter(typeof(NullForNaN))]
    public double MeanIou { get; init; }
    /// <summary>Per-class IoU as fractions, index = label value (0 background, 1..20 VOC classes); null where undefined.</summary>
    [JsonPropertyName("iou")] public double?[] Iou { get; init; } = [];
    /// <summary>Images scored (failed items excluded).</summary>
    [JsonPropertyName("images")] public int Images { get; init; }
    /// <summary>The metric's CLI name ("chainercv", "seam", "gt-present", "wsgcn" or "icd").</summary>
    [JsonPropertyName("metric")] public string Metric { get; init; } = "chainercv";

    /// <summary>The constant background threshold used, or the best one of a sweep; null otherwise.</summary>
    [JsonPropertyName("threshold")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Threshold { get; init; }

    /// <summary>The α of a power background (1 − max)^α, when one was used; null otherwise.</summary>
    [JsonPropertyName("bg_power")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BackgroundPower { get; init; }

    /// <summary>Each swept threshold with its mIoU, in the order given; null without a sweep.</summary>
    [JsonPropertyName("sweep")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SweepPoint[]? Sweep { get; init; }

    /// <summary>The K x K confusion matrix (rows ground truth, columns prediction) the scores come from; the best threshold's for a sweep.</summary>
    [JsonPropertyName("confusion")] public long[][] Confusion { get; init; } = [];

    /// <summary>
    /// Per ground-truth class, pixels predicted 255 that count in the row's total only (the <c>seam</c> metric's
    /// rule); written only when some exist, so shards of such a run merge exactly.
    /// </summary>
    [JsonPropertyName("ignored_predictions")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[]? IgnoredPredictions { get; init; }

    /// <summary>The CAM dump layout read (e.g. "A (IRN dict)"); null when labels were scored.</summary>
    [JsonPropertyName("format")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Format { get; init; }

    /// <summary>"cpu" or "vulkan".</summary>
    [JsonPropertyName("backend")] public string Backend { get; init; } = "cpu";

    /// <summary>Skipped items as "FILE: REASON" lines (with --keep-going), in list order.</summary>
    [JsonPropertyName("failures")] public string[] Failures { get; init; } = [];

    /// <summary>Each sweep threshold's confusion matrix, so shards of a sweep merge exactly (<c>wsss merge</c>).</summary>
    [JsonPropertyName("sweep_confusion")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long[][][]? SweepConfusion { get; init; }

    /// <summary>Puzzle-CAM's over/under-activation thresholds of a sweep (<see cref="Metrics.ActivationBalance"/>); null unless asked for.</summary>
    [JsonPropertyName("over_under")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Metrics.ActivationBalance? OverUnder { get; init; }

    /// <summary>"K/N" when the report covers one shard of the list; null for a whole-list run or a merged report.</summary>
    [JsonPropertyName("shard")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Shard { get; init; }

    /// <summary>
    /// The whole list the run split into shards (or scored), as the first 16 hex digits of the SHA-256 of its ids joined
    /// by newlines (<see cref="ListHash"/>): shards of two lists do not merge. Null in reports of older builds.
    /// </summary>
    [JsonPropertyName("list_sha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ListSha256 { get; init; }

    /// <summary>
    /// What made the scored labels: <c>eval --cams</c>, <c>eval --labels</c>, or <c>refine RECIPE_FINGERPRINT</c> (the
    /// recipe record's): shards of two recipes, or of a refine and an eval, do not merge. Null in reports of older builds.
    /// </summary>
    [JsonPropertyName("source")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    /// <summary>The list identity of <see cref="ListSha256"/>.</summary>
    public static string ListHash(IEnumerable<string> ids) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', ids))))[..16];

    /// <summary>The wsss build that wrote the report, "VERSION+COMMIT" (<see cref="Core.BuildInfo.Version"/>).</summary>
    [JsonPropertyName("version")] public string Version { get; init; } = Core.BuildInfo.Version;

    /// <summary>Builds a report from a summed confusion matrix, computing IoU and mIoU with <paramref name="metric"/>.</summary>
    /// <param name="confusion">The summed K x K matrix.</param>
    /// <param name="metric">The mIoU definition.</param>
    /// <param name="images">Images that went into the matrix.</param>
    /// <param name="backend">"cpu" or "vulkan".</param>
    /// <param name="threshold">The constant threshold (or a sweep's best), if any.</param>
    /// <param name="backgroundPower">The power background's α, if any.</param>
    /// <param name="sweep">Every swept threshold's mIoU, if a sweep ran.</param>
    /// <param name="format">The CAM layout read, if CAMs were scored.</param>
    /// <param name="failures">Items skipped with --keep-going.</param>
    /// <param name="sweepConfusions">Each swept threshold's matrix, kept so shard reports merge exactly.</param>
    /// <param name="shard">"K/N" for a shard's report.</param>
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
            IgnoredPredictions = confusion.IgnoredPredictions.Any(v => v != 0) ? (long[])confusion.IgnoredPredictions.Clone() : null,
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
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "0.1.0+sha", not "0.1.0\u002Bsha"
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = EvalReportJsonContext.Default,
    };

    private static JsonTypeInfo<EvalReport> JsonType => (JsonTypeInfo<EvalReport>)JsonOptions.GetTypeInfo(typeof(EvalReport));

    /// <summary>The report as indented JSON in the CLI contract's layout; a NaN mIoU (no class counted) is written as null.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonType);

    /// <summary>Reads a report written by <see cref="ToJson"/> (e.g. a shard's, for <see cref="ReportMerge"/>).</summary>
    /// <exception cref="System.Text.Json.JsonException">The text is not such a report.</exception>
    public static EvalReport FromJson(string json) =>
        JsonSerializer.Deserialize(json, JsonType) ?? throw new JsonException("empty report");
}

/// <summary>
/// Writes a NaN double as JSON null (a number is expected there, and a "NaN" string breaks readers that
/// expect one); reads null, and the "NaN" strings older reports hold, back as NaN.
/// </summary>
internal sealed class NullForNaN : JsonConverter<double>
{
    public override bool HandleNull => true;

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => double.NaN,
        JsonTokenType.String when reader.GetString() == "NaN" => double.NaN,
        _ => reader.GetDouble(),
    };

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteNullValue();
    }
}
