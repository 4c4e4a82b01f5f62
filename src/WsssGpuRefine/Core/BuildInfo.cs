using System.Reflection;

namespace WsssGpuRefine.Core;

/// <summary>
/// The version and the commit this build came from, as one string ("0.1.0+COMMIT"): what <c>wsss --version</c> prints
/// and the <c>version</c> key of every JSON output and run manifest. The commit is the git SHA the SDK's source-link
/// support puts after the '+' of the informational version; a build without a git repository says "unknown".
/// </summary>
public static class BuildInfo
{
    /// <summary>"VERSION+COMMIT", e.g. "0.1.0+eb5338dfb33bb4e11480ea1c401ea21995e98cd6", or "0.1.0+unknown".</summary>
    public static string Version { get; } = Describe(
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    /// <summary>The git commit (hexadecimal SHA) the build came from, or "unknown".</summary>
    public static string Commit => Version[(Version.IndexOf('+') + 1)..];

    /// <summary>Normalises an informational version to "VERSION+COMMIT" ("unknown" where no hexadecimal SHA follows a '+').</summary>
    internal static string Describe(string? informationalVersion)
    {
        string text = string.IsNullOrWhiteSpace(informationalVersion) ? "0.0.0" : informationalVersion.Trim();
        int plus = text.IndexOf('+');
        string version = plus < 0 ? text : text[..plus];
        string commit = plus < 0 ? "" : text[(plus + 1)..];
        bool isSha = commit.Length >= 7 && commit.All(Uri.IsHexDigit);
        return $"{version}+{(isSha ? commit.ToLowerInvariant() : "unknown")}";
    }
}
