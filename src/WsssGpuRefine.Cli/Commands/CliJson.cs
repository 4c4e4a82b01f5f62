using System.Text.Encodings.Web;
using System.Text.Json;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>How the CLI writes its own JSON files (devices listing, run manifest): indented, with '+' and quotes as they are.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
