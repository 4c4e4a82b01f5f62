using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using WsssGpuRefine.Datasets.Synthetic;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>
/// README "Scale-out": the SLURM array's and the Kubernetes indexed Job's <c>wsss</c> lines, taken from README.md as
/// written and run by <c>sh</c> with each array / completion index, on the demo sample laid out under the recipes'
/// <c>/shared</c> paths. The merged report must equal one run over the whole list, and the shards' label maps the
/// single run's. Only the <c>/shared</c> prefix is replaced (by a scratch folder); <c>/shared/bin/wsss</c> there runs
/// this build's <c>wsss</c>, or the file WSSS_EXE names (CI points it at the published single file).
/// </summary>
public class ClusterRecipeTests
{
    private const string SharedPrefix = "/shared";

    [Fact]
    public void Slurm_array_shards_merge_into_the_single_run()
    {
        var blocks = ScaleOutBlocks().Where(b => b.Language == "sh").ToList();
        string shard = Assert.Single(blocks.SelectMany(b => b.WsssLines), l => l.Contains("$SLURM_ARRAY_TASK_ID", StringComparison.Ordinal));
        string merge = Assert.Single(blocks.SelectMany(b => b.WsssLines), l => l.StartsWith("wsss merge ", StringComparison.Ordinal));
        int n = ShardCount(shard, "SLURM_ARRAY_TASK_ID");
        Assert.Contains(blocks, b => b.Text.Contains($"--array=0-{n - 1}", StringComparison.Ordinal));
        Assert.All(blocks, b => Assert.Contains($"export PATH={SharedPrefix}/bin:$PATH", b.Text));

        using var tmp = new TempDirectory();
        var cluster = new Cluster(tmp);
        var (merged, single) = cluster.RunRecipe(shard, "SLURM_ARRAY_TASK_ID", n, merge);
        AssertSameScores(merged, single);
    }

    [Fact]
    public void Kubernetes_indexed_job_shards_merge_into_the_single_run()
    {
        var blocks = ScaleOutBlocks().Where(b => b.Language == "yaml").ToList();
        Assert.All(blocks, b => Assert.Contains("image: debian:12-slim", b.Text));
        string shard = Assert.Single(blocks.SelectMany(b => b.WsssLines), l => l.Contains("$JOB_COMPLETION_INDEX", StringComparison.Ordinal));
        string merge = Assert.Single(blocks.SelectMany(b => b.WsssLines), l => l.Contains("/wsss merge ", StringComparison.Ordinal));
        int n = ShardCount(shard, "JOB_COMPLETION_INDEX");
        Assert.Contains(blocks, b => b.Text.Contains($"completions: {n}\n", StringComparison.Ordinal) && b.Text.Contains("completionMode: Indexed", StringComparison.Ordinal));

        using var tmp = new TempDirectory();
        var cluster = new Cluster(tmp);
        var (merged, single) = cluster.RunRecipe(shard, "JOB_COMPLETION_INDEX", n, merge);
        AssertSameScores(merged, single);
        string shardLabels = cluster.Local("/shared/out/sem_seg"), singleLabels = cluster.Local("/shared/single/sem_seg");
        var names = Directory.GetFiles(singleLabels, "*.png").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(16, names.Length);
        Assert.Equal(names, Directory.GetFiles(shardLabels, "*.png").Select(Path.GetFileName).Order().ToArray());
        foreach (string? name in names)
            Assert.Equal(File.ReadAllBytes(Path.Combine(singleLabels, name!)), File.ReadAllBytes(Path.Combine(shardLabels, name!)));
    }

    private static void AssertSameScores(string mergedJson, string singleJson)
    {
        using var merged = JsonDocument.Parse(File.ReadAllText(mergedJson));
        using var single = JsonDocument.Parse(File.ReadAllText(singleJson));
        Assert.Equal(16, single.RootElement.GetProperty("images").GetInt32());
        foreach (string key in new[] { "miou", "iou", "images", "metric", "threshold", "sweep", "confusion", "sweep_confusion" })
        {
            bool inSingle = single.RootElement.TryGetProperty(key, out var s);
            Assert.Equal(inSingle, merged.RootElement.TryGetProperty(key, out var m));
            if (inSingle) Assert.Equal(s.GetRawText(), m.GetRawText());
        }
    }

    /// <summary>N of the line's <c>--shard $VARIABLE/N</c>.</summary>
    private static int ShardCount(string line, string variable)
    {
        var match = Regex.Match(line, $@"--shard \${variable}/(\d+)(\s|$)");
        Assert.True(match.Success, $"no --shard ${variable}/N in: {line}");
        return int.Parse(match.Groups[1].Value);
    }

    private sealed record Block(string Language, string Text)
    {
        /// <summary>The commands that run wsss: shell lines starting with it, YAML list items running /shared/bin/wsss.</summary>
        public IEnumerable<string> WsssLines => Text.Split('\n')
            .Select(l => Regex.Match(l, $@"^\s*(?:- )?((?:wsss|{SharedPrefix}/bin/wsss) .*)$"))
            .Where(m => m.Success).Select(m => m.Groups[1].Value.Trim());
    }

    private static List<Block> ScaleOutBlocks()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).Replace("\r\n", "\n");
        int start = readme.IndexOf("\n## Scale-out\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no Scale-out section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        return Regex.Matches(section, @"```(\w+)\n(.*?)```", RegexOptions.Singleline)
            .Select(m => new Block(m.Groups[1].Value, m.Groups[2].Value)).ToList();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "WsssGpuRefine.sln"))) return dir.FullName;
        throw new InvalidOperationException("WsssGpuRefine.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A scratch "/shared" volume: bin/wsss, the demo sample under the recipes' data paths, out/ and single/.</summary>
    private sealed class Cluster
    {
        private readonly string _shared;

        public Cluster(TempDirectory tmp)
        {
            _shared = tmp.Combine("shared");
            var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded()));
            Link("/shared/irn/result/cam", layout.IrnCams);
            Link("/shared/VOC2012/JPEGImages", layout.Images);
            Link("/shared/VOC2012/SegmentationClass", layout.GroundTruth);
            Directory.CreateDirectory(Local("/shared/voc12"));
            File.Copy(layout.List, Local("/shared/voc12/train.txt"));
            Directory.CreateDirectory(Local("/shared/out"));
            Directory.CreateDirectory(Local("/shared/single"));

            string bin = Local("/shared/bin/wsss");
            Directory.CreateDirectory(Path.GetDirectoryName(bin)!);
            string target = Environment.GetEnvironmentVariable("WSSS_EXE") is { Length: > 0 } exe
                ? $"\"{exe}\"" : $"dotnet \"{Path.Combine(AppContext.BaseDirectory, "wsss.dll")}\"";
            File.WriteAllText(bin, $"#!/bin/sh\nexec {target} \"$@\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(bin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        /// <summary>The scratch path for a recipe path under /shared.</summary>
        public string Local(string recipePath) => _shared + recipePath[SharedPrefix.Length..];

        private void Link(string recipePath, string target)
        {
            string link = Local(recipePath);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            Directory.CreateSymbolicLink(link, target);
        }

        /// <summary>
        /// The shard line for every index 0..n-1 at once, as the scheduler starts them; then the merge line; then the shard
        /// line over the whole list (no --shard, writing under /shared/single). Returns the merged and the single --json.
        /// </summary>
        public (string Merged, string Single) RunRecipe(string shardLine, string variable, int n, string mergeLine)
        {
            var shards = Enumerable.Range(0, n).Select(k => Start(shardLine, (variable, k.ToString()))).ToList();
            foreach (var (process, output) in shards) Finish(process, output, shardLine);
            Run(mergeLine);
            string single = Regex.Replace(shardLine, @" --shard \S+", "").Replace("/shared/out/", "/shared/single/", StringComparison.Ordinal);
            Run(single);
            return (Local(JsonOf(mergeLine)), Local(JsonOf(single).Replace("$" + variable, "", StringComparison.Ordinal)));
        }

        private static string JsonOf(string line) => Regex.Match(line, @"--json (\S+)").Groups[1].Value;

        private void Run(string line)
        {
            var (process, output) = Start(line);
            Finish(process, output, line);
        }

        private (Process Process, Task<string> Output) Start(string line, params (string Name, string Value)[] environment)
        {
            var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(line.Replace(SharedPrefix + "/", _shared + "/", StringComparison.Ordinal));
            start.Environment["PATH"] = Local("/shared/bin") + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["WSSS_DEBUG"] = "0";
            foreach (var (name, value) in environment) start.Environment[name] = value;
            var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            return (process, Task.WhenAll(stdout, stderr).ContinueWith(_ => stdout.Result + stderr.Result, TaskScheduler.Default));
        }

        private static void Finish(Process process, Task<string> output, string line)
        {
            using (process)
            {
                if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
                {
                    process.Kill(entireProcessTree: true);
                    throw new TimeoutException("did not finish in 3 minutes: " + line);
                }
                Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {line}\n{output.Result}");
            }
        }
    }
}
