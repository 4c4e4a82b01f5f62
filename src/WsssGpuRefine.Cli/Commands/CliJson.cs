using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>
/// How the CLI writes its own JSON files (devices listing, run manifest): indented, with '+' and quotes as they are.
/// They are built as <see cref="JsonObject"/>s in the order their keys are written, so no type is serialised by
/// reflection (a NativeAOT build writes them as the JIT build does).
/// </summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The object as the CLI's indented JSON text.</summary>
    public static string Write(JsonObject value) => value.ToJsonString(Options);

    /// <summary>Strings as a JSON array, in order.</summary>
    public static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode?)JsonValue.Create(s))]);

    /// <summary>A name → number map as a JSON object, in the map's order.</summary>
    public static JsonObject Object(IEnumerable<KeyValuePair<string, double>> map) =>
        new(map.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
}
