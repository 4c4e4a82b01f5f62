using System.Diagnostics;

namespace WsssGpuRefine.Tests.Io;

/// <summary>Whether Debian's /usr/bin/python3 can import PIL and numpy (packages python3-pil, python3-numpy), checked once.</summary>
internal static class PilTestEnvironment
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> LazyAvailable = new(() =>
    {
        if (!File.Exists(Python)) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import PIL, numpy"]) { RedirectStandardError = true })!;
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public static bool Available => LazyAvailable.Value;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A test that runs PIL. Without it the test is skipped with the reason on a developer machine, but it runs (and
/// fails) when CI=true: .ci/run installs python3-pil, so a missing PIL there is a CI bug.
/// </summary>
public sealed class PilFactAttribute : FactAttribute
{
    public PilFactAttribute()
    {
        if (!PilTestEnvironment.Available && !PilTestEnvironment.IsCi)
            Skip = $"{PilTestEnvironment.Python} cannot import PIL and numpy (apt-get install python3-pil python3-numpy)";
    }
}
