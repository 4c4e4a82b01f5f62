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

    public static Result Run(string[] args, IReadOnlyDictionary<string, string>? environment) =>
        RunMeasured(args, environment, TimeSpan.FromMinutes(3)).Result;

    /// <summary>
    /// Runs wsss with each of <paramref name="hidden"/> (a file or folder) covered by an empty one in a private mount
    /// namespace (<c>unshare --mount</c>, as root: CI's case), as on a machine that lacks it.
    /// </summary>
    public static Result RunHiding(string[] hidden, params string[] args) =>
        RunMeasured(args, environment: null, TimeSpan.FromMinutes(3), hidden).Result;

    /// <summary>What a run cost: its peak resident memory (Linux VmHWM, sampled while it ran; 0 elsewhere) and wall time.</summary>
    public sealed record Measured(Result Result, long PeakBytes, TimeSpan Elapsed);

    /// <summary>Runs wsss, sampling its peak resident memory; kills it (and fails) if it runs past <paramref name="limit"/>.</summary>
    public static Measured RunMeasured(string[] args, IReadOnlyDictionary<string, string>? environment, TimeSpan limit, string[]? hidden = null)
    {
        using var process = Start(args, environment, hidden);
        var clock = Stopwatch.StartNew();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        // VmHWM is the high-water mark, so a sample taken any time before exit is the peak so far.
        while (!process.WaitForExit(5))
        {
            peak = Math.Max(peak, HighWaterMark(process.Id));
            if (clock.Elapsed > limit)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                throw new TimeoutException($"wsss did not finish in {limit.TotalSeconds} s (peak {peak >> 20} MiB): {string.Join(' ', args)}");
            }
        }
        process.WaitForExit();
        return new Measured(new Result(process.ExitCode, stdout.Result, stderr.Result), peak, clock.Elapsed);
    }

    /// <summary>Starts wsss with its output redirected (the caller reads or drains it); see <see cref="RunHiding"/> for <paramref name="hidden"/>.</summary>
    public static Process Start(string[] args, IReadOnlyDictionary<string, string>? environment = null, string[]? hidden = null)
    {
        hidden ??= [];
        var start = new ProcessStartInfo(hidden.Length == 0 ? "dotnet" : "unshare")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (hidden.Length > 0)
        {
            // unshare --mount sh -c 'mount --bind EMPTY PATH && ... && exec dotnet "$@"' sh wsss.dll ARGS...: one process id throughout
            string mounts = string.Concat(hidden.Select(h => $"mount --bind {(Directory.Exists(h) ? "\"$(mktemp -d)\"" : "/dev/null")} '{h}' && "));
            foreach (string a in new[] { "--mount", "sh", "-c", mounts + "exec dotnet \"$@\"", "sh" }) start.ArgumentList.Add(a);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wsss.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["WSSS_DEBUG"] = "0";
        if (environment is not null)
            foreach (var (k, v) in environment) start.Environment[k] = v;
        return Process.Start(start)!;
    }

    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
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
