using System.Diagnostics;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>Runs the real <c>wsss</c> executable, as a user's script would, and captures what it prints.</summary>
internal static class WsssProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string[] ErrorLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(params string[] args) => Run(args, environment: null);

    public static Result Run(string[] args, IReadOnlyDictionary<string, string>? environment) => Run(args, environment, hidden: []);

    /// <summary>
    /// Runs wsss with each of <paramref name="hidden"/> (a file or folder) covered by an empty one in a private mount
    /// namespace (<c>unshare --mount</c>, as root: CI's case), as on a machine that lacks it.
    /// </summary>
    public static Result RunHiding(string[] hidden, params string[] args) => Run(args, environment: null, hidden);

    private static Result Run(string[] args, IReadOnlyDictionary<string, string>? environment, string[] hidden)
    {
        var start = new ProcessStartInfo(hidden.Length == 0 ? "dotnet" : "unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (hidden.Length > 0)
        {
            // sh -c 'mount --bind EMPTY PATH && ... && exec dotnet "$@"' sh ARGS...
            string mounts = string.Concat(hidden.Select(h => $"mount --bind {(Directory.Exists(h) ? "\"$(mktemp -d)\"" : "/dev/null")} '{h}' && "));
            foreach (string a in new[] { "--mount", "sh", "-c", mounts + "exec dotnet \"$@\"", "sh" }) start.ArgumentList.Add(a);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wsss.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["WSSS_DEBUG"] = "0";
        if (environment is not null)
            foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("wsss did not finish in 3 minutes: " + string.Join(' ', args));
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A scratch folder removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wsss-test-" + Guid.NewGuid().ToString("N"));
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
