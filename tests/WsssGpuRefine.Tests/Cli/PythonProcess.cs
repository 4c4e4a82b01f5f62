using System.Diagnostics;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>
/// Runs Debian's /usr/bin/python3 (python3-numpy, python3-torch, python3-imageio: .ci/run installs them) on a
/// committed fixture script, as the seed methods' own code would run. A missing interpreter fails the test.
/// </summary>
internal static class PythonProcess
{
    public const string Interpreter = "/usr/bin/python3";

    public static string FixtureScript(string relative) => Path.Combine(AppContext.BaseDirectory, "Fixtures", relative);

    /// <summary>Runs the script with the arguments; asserts exit code 0 and returns stdout.</summary>
    public static string Run(string script, params string[] args)
    {
        Assert.True(File.Exists(Interpreter), $"{Interpreter} is missing: install python3-numpy python3-torch python3-imageio (.ci/run)");
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python did not finish in 2 minutes: " + script);
        }
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(script)} failed:\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>Runs inline Python code (python3 -c); asserts exit code 0 and returns stdout.</summary>
    public static string RunCode(string code, params string[] args) => Run("-c", [code, .. args]);
}
