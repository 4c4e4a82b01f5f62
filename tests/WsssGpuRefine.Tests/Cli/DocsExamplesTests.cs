using System.Diagnostics;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>The README's examples and docs/methods.md's demo commands, extracted and run as written on the demo sample.</summary>
public sealed class DocsExamplesTests
{
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "WsssGpuRefine.sln"))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException("the repository root (WsssGpuRefine.sln) is not above the test binaries");
    }

    /// <summary>The lines of the first ```sh block after the heading.</summary>
    internal static string[] ShellBlock(string markdownFile, string heading)
    {
        var lines = File.ReadAllLines(RepositoryFile(markdownFile));
        int at = Array.FindIndex(lines, l => l.Trim() == heading);
        Assert.True(at >= 0, $"{markdownFile} has no '{heading}'");
        int start = Array.FindIndex(lines, at, l => l.Trim() == "```sh") + 1;
        int end = Array.FindIndex(lines, start, l => l.Trim() == "```");
        return lines[start..end];
    }

    [Theory]
    [InlineData("README.md", "### Examples")]
    [InlineData("docs/methods.md", "## Try it on the demo sample")]
    public async Task The_documented_commands_run_as_written_on_the_demo_sample(string file, string heading)
    {
        var block = ShellBlock(file, heading);
        // The block's own W= line points at the source tree; the test runs the built wsss instead, as `wsss` would.
        Assert.StartsWith("W=", block[0]);
        Assert.Contains(block, l => l.StartsWith("$W demo --generate-only", StringComparison.Ordinal) && l.Contains("--out demo && cd demo"));
        int commands = block.Count(l => l.StartsWith("$W ", StringComparison.Ordinal));
        Assert.True(commands >= 6, $"only {commands} commands in {file}");
        using var temp = new TempDirectory();
        string script = "set -euo pipefail\n" +
                        $"W=\"dotnet {Path.Combine(AppContext.BaseDirectory, "wsss.dll")}\"\n" +
                        $"cd '{temp.Path}'\n" +
                        string.Join('\n', block.Skip(1)) + "\n";
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["WSSS_DEBUG"] = "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await process.WaitForExitAsync(timeout.Token);
        string errors = await stderr, printed = await stdout;
        Assert.True(process.ExitCode == 0, $"{file}: a documented command failed:\n{errors}\n{printed}");
        // Each documented refine wrote its labels.
        foreach (string line in block.Where(l => l.StartsWith("$W refine", StringComparison.Ordinal)))
        {
            string output = line.Split(' ').SkipWhile(t => t != "--out").ElementAt(1);
            Assert.True(Directory.EnumerateFiles(Path.Combine(temp.Path, "demo", output), "*.png").Any(), $"{file}: no labels in {output}");
        }
    }
}
