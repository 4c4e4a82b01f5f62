using System.Reflection;
using System.Text.RegularExpressions;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Tests.Jobs;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>
/// One hostile or broken input: the files it writes into a scratch folder, the <c>wsss</c> arguments, and the clean
/// outcome it must end in. Every case also must print no stack trace or "internal error", keep every stderr line an
/// <c>error:</c> or <c>info:</c> line, and stay under a peak-memory and a time bound.
/// </summary>
/// <param name="Name">Unique; the test's display name.</param>
/// <param name="Arrange">Writes the inputs (and may run wsss first, e.g. the run a resume follows) and returns the arguments.</param>
internal sealed record HostileCase(string Name, Func<HostileScratch, string[]> Arrange)
{
    /// <summary>The exit code: 0 success, 1 a failed item or input, 2 a usage error.</summary>
    public int ExitCode { get; init; } = 1;
    /// <summary>A regular expression one stderr line must match (e.g. <c>^error: .*gt/2007_000003\.png: label 21 </c>); null = none asked.</summary>
    public string? Error { get; init; }
    /// <summary>Further checks of the outputs once the run ended.</summary>
    public Action<HostileScratch, WsssProcess.Result>? Check { get; init; }
    /// <summary>Peak resident memory allowed (the attacks this corpus holds took gigabytes).</summary>
    public long MaxPeakBytes { get; init; } = 600L << 20;
    /// <summary>Wall time allowed; the run is killed (and the case fails) past it. Generous: CI machines are shared, and a hang never ends.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(60);

    public override string ToString() => Name;
}

/// <summary>A case's scratch folder, with helpers to copy and alter the small eval fixture (6 images, 21 classes).</summary>
internal sealed class HostileScratch : IDisposable
{
    private readonly TempDirectory _tmp = new();

    /// <summary>The scratch folder.</summary>
    public string Root => _tmp.Path;
    public string Combine(params string[] parts) => _tmp.Combine(parts);

    /// <summary>A file or folder of the eval fixture (gt/, irn/, train.txt, ...), read-only.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([EvalJobTests.Root, .. parts]);

    /// <summary>The fixture's ids, in list order.</summary>
    public static string[] Ids => File.ReadAllLines(Fixture("train.txt"));

    /// <summary>A writable copy of a fixture folder (e.g. "gt") inside the scratch folder.</summary>
    public string CopyFixture(string folder)
    {
        string target = Combine(folder);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(Fixture(folder))) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    /// <summary>Rewrites a label PNG (palette) after <paramref name="edit"/> changed its labels.</summary>
    public static void EditLabels(string png, Action<byte[]> edit)
    {
        var labels = LabelPngReader.Read(png);
        edit(labels.Labels);
        LabelPngWriter.Write(png, labels);
    }

    /// <summary>A list file holding exactly these lines (bytes as given, NUL included).</summary>
    public string List(params string[] lines)
    {
        string path = Combine("list.txt");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    /// <summary>Runs wsss as part of arranging a case (e.g. the first run a resume follows); it must succeed.</summary>
    public static void Run(params string[] args)
    {
        var r = WsssProcess.Run(args);
        Assert.True(r.ExitCode == 0, $"arranging run failed: {r.StdErr}");
    }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>
/// The hostile-input corpus (issue 11): each case is generated here at test time and run through the real
/// <c>wsss</c> as a child process. Cases come from every static method of this class whose name ends in
/// "Cases" and that returns <c>IEnumerable&lt;HostileCase&gt;</c>, so a new group (e.g. the readers' cases in a
/// partial file of this class) adds itself without editing a list.
/// </summary>
public partial class HostileInputTests
{
    private static readonly Lazy<Dictionary<string, HostileCase>> All = new(() =>
        typeof(HostileInputTests).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.Name.EndsWith("Cases", StringComparison.Ordinal) && m.ReturnType == typeof(IEnumerable<HostileCase>) && m.GetParameters().Length == 0)
            .SelectMany(m => (IEnumerable<HostileCase>)m.Invoke(null, null)!)
            .ToDictionary(c => c.Name));

    public static TheoryData<string> CaseNames => new(All.Value.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_case_ends_in_its_clean_outcome(string name)
    {
        var c = All.Value[name];
        using var scratch = new HostileScratch();
        string[] args = c.Arrange(scratch);
        var run = WsssProcess.RunMeasured(args, environment: null, c.MaxTime);
        var r = run.Result;
        string context = $"{name}: exit {r.ExitCode}, {run.Elapsed.TotalSeconds:F1} s, peak {run.PeakBytes >> 20} MiB\n{r.StdErr}";

        Assert.True(r.ExitCode == c.ExitCode, context);
        Assert.DoesNotContain("internal error", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.All(r.ErrorLines, l => Assert.Matches("^(error|info): ", l));
        if (c.Error is not null) Assert.True(r.ErrorLines.Any(l => Regex.IsMatch(l, c.Error)), $"no stderr line matches {c.Error}\n{context}");
        Assert.True(run.PeakBytes <= c.MaxPeakBytes, $"peak {run.PeakBytes >> 20} MiB > {c.MaxPeakBytes >> 20} MiB\n{context}");
        c.Check?.Invoke(scratch, r);
    }

    [Fact]
    public void The_corpus_has_a_case_for_every_batch_item_of_the_issue()
    {
        foreach (string prefix in new[] { "sweep-", "resume-", "keep-going-", "message-" })
            Assert.Contains(All.Value.Keys, k => k.StartsWith(prefix, StringComparison.Ordinal));
    }
}
