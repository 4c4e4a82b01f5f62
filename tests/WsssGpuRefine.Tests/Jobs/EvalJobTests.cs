using System.Text.Json;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Tests.Cli;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Jobs;

/// <summary>
/// Dumps saved by real numpy/torch in each seed format, scored against the reference mIoU that IRN's eval_cam
/// with chainercv's confusion matrix computes (Fixtures/eval/make_eval_fixture.py), on every backend.
/// </summary>
[Collection(VulkanCollection.Name)]
public class EvalJobTests(VulkanFixture backends)
{
    internal static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "eval");

    private sealed record Expected(double miou, double?[] iou, long[][] confusion, double[] sweep, double best_threshold);

    private static Expected Load(string format) =>
        JsonSerializer.Deserialize<Dictionary<string, Expected>>(File.ReadAllText(Path.Combine(Root, "expected.json")))![format];

    internal static EvalOptions Options(string format, bool forceFormat) => new()
    {
        GroundTruthDirectory = Path.Combine(Root, "gt"),
        Ids = WsssGpuRefine.Io.Lists.ImageList.Read(Path.Combine(Root, "train.txt")),
        CamsDirectory = Path.Combine(Root, format),
        Format = forceFormat ? format : null,
        Rule = new BackgroundRule.Constant(0.15),
    };

    public static IEnumerable<object[]> ThresholdFormats => AllBackendsAttribute.Cross(
        [["irn", false], ["irn", true], ["puzzlecam", false], ["vwe", false], ["psa", false], ["psa", true], ["bg-fg", false],
         ["ssdd", true], ["cpn", true], ["sccam", true]]);

    [Theory, MemberData(nameof(ThresholdFormats))]
    public void Threshold_mIoU_matches_chainercv_reference(string backend, string format, bool forceFormat) =>
        AssertThresholdMatchesReference(backends.Get(backend), format, forceFormat);

    private static void AssertThresholdMatchesReference(ComputeBackend backend, string format, bool forceFormat)
    {
        var expected = Load(format);
        var report = EvalJob.Run(backend, Options(format, forceFormat));
        Assert.Equal(expected.miou, report.MeanIou, 1e-6);
        Assert.Equal(expected.confusion, report.Confusion);
        for (int c = 0; c < expected.iou.Length; c++)
        {
            Assert.Equal(expected.iou[c].HasValue, report.Iou[c].HasValue);
            if (expected.iou[c] is { } v) Assert.Equal(v, report.Iou[c]!.Value, 1e-9);
        }
        Assert.Equal(6, report.Images);
    }

    public static IEnumerable<object[]> SweepFormats => AllBackendsAttribute.Cross([["irn"], ["psa"], ["cpn"]]);

    [Theory, MemberData(nameof(SweepFormats))]
    public void Sweep_curve_and_best_threshold_match_per_threshold_reference(string backend, string format) =>
        AssertSweepMatchesReference(backends.Get(backend), format);

    private static void AssertSweepMatchesReference(ComputeBackend backend, string format)
    {
        var expected = Load(format);
        var report = EvalJob.Run(backend, Options(format, false) with { Rule = null, SweepThresholds = ThresholdSweep.Range(0, 0.59, 0.01) });
        Assert.Equal(60, report.Sweep!.Length);
        for (int i = 0; i < 60; i++) Assert.Equal(expected.sweep[i], report.Sweep[i].MeanIou, 1e-9);
        Assert.Equal(expected.best_threshold, report.Threshold!.Value, 1e-12);
        Assert.Equal(expected.sweep.Max(), report.MeanIou, 1e-9);
    }

    [Fact]
    public void Detected_format_is_reported()
    {
        Assert.Equal("A (IRN dict)", EvalJob.Run(CpuBackend.Shared, Options("irn", false)).Format);
        Assert.StartsWith("E", EvalJob.Run(CpuBackend.Shared, Options("bg-fg", false)).Format);
    }

    [Fact]
    public void Shards_merge_to_the_numbers_of_one_run()
    {
        var options = Options("irn", false) with { Rule = null, SweepThresholds = ThresholdSweep.Range(0, 0.59, 0.01) };
        var whole = EvalJob.Run(CpuBackend.Shared, options);
        var shards = Enumerable.Range(0, 4)
            .Select(k => ($"shard{k}.json", EvalReport.FromJson(EvalJob.Run(CpuBackend.Shared, options with { Shard = new Shard(k, 4) }).ToJson())))
            .ToArray();
        Assert.Equal(new[] { 2, 2, 1, 1 }, shards.Select(s => s.Item2.Images));
        var merged = ReportMerge.Merge(shards);
        Assert.Equal(whole.MeanIou, merged.MeanIou);
        Assert.Equal(whole.Threshold, merged.Threshold);
        Assert.Equal(whole.Confusion, merged.Confusion);
        Assert.Equal(whole.Sweep!.Select(p => p.MeanIou), merged.Sweep!.Select(p => p.MeanIou));
    }

    [Fact]
    public void Merge_refuses_shard_sets_and_counts_that_are_not_one_runs()
    {
        var options = Options("irn", false);
        (string, EvalReport) Shard(int k, int n) =>
            ($"shard{k}of{n}.json", EvalReport.FromJson(EvalJob.Run(CpuBackend.Shared, options with { Shard = new Shard(k, n) }).ToJson()));
        var s0 = Shard(0, 2);
        var s1 = Shard(1, 2);
        Assert.Equal(EvalJob.Run(CpuBackend.Shared, options).Confusion, ReportMerge.Merge([s0, s1]).Confusion);

        var twice = Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, s1, s0]));
        Assert.Equal(("shard0of2.json", "shard 0/2 is also in shard0of2.json"), (twice.File, twice.Reason));
        Assert.Contains("shard(s) 1/2 missing", Assert.Throws<ArgumentException>(() => ReportMerge.Merge([s0])).Message);
        Assert.Equal(s0.Item2.Confusion, ReportMerge.Merge([s0], partial: true).Confusion);
        Assert.Contains("another split", Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, s1, Shard(2, 3)])).Reason);
        // Another rule in one shard: a PSA power background once merged with the others' without a word.
        var power = ($"power1of2.json", EvalReport.FromJson(EvalJob.Run(CpuBackend.Shared, options with { Rule = new BackgroundRule.Power(4), Shard = new Shard(1, 2) }).ToJson()));
        Assert.Equal("power1of2.json", Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, power])).File);
        var whole = ("whole.json", EvalReport.FromJson(EvalJob.Run(CpuBackend.Shared, options).ToJson()));
        Assert.Equal("whole.json", Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, s1, whole])).File);

        // Counts edited by hand: a negative cell, or two cells whose sum passes 2^63, once gave IoUs above 1 or wrapped.
        EvalReport Edited(EvalReport r, long value) =>
            r with { Confusion = r.Confusion.Select((row, g) => g == 0 ? row.Select((v, p) => p == 0 ? value : v).ToArray() : row).ToArray() };
        var negative = ("neg.json", Edited(s1.Item2, -1_000_000_000_000));
        Assert.Contains("negative count", Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, negative])).Reason);
        long half = long.MaxValue / 2 + 1;
        var huge = Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([("a.json", Edited(s0.Item2, half)), ("b.json", Edited(s1.Item2, half))]));
        Assert.Equal("b.json", huge.File);
        Assert.Contains("past 2^63", huge.Reason);
    }

    /// <summary>
    /// Shards of two lists, of two sources of labels (eval --cams, eval --labels, refine recipes) or of two CAM layouts
    /// once merged without a word; a report of an older build, which names none of them, still merges.
    /// </summary>
    [Fact]
    public void Merge_refuses_shards_of_another_list_source_or_layout()
    {
        var options = Options("irn", false);
        (string, EvalReport) Shard(int k, EvalOptions o) =>
            ($"shard{k}.json", EvalReport.FromJson(EvalJob.Run(CpuBackend.Shared, o with { Shard = new Shard(k, 2) }).ToJson()));
        var s0 = Shard(0, options);
        var s1 = Shard(1, options);
        Assert.Equal(EvalReport.ListHash(options.Ids), s0.Item2.ListSha256);
        Assert.Equal("eval --cams", s0.Item2.Source);
        var merged = ReportMerge.Merge([s0, s1]);
        Assert.Equal((s0.Item2.ListSha256, "eval --cams"), (merged.ListSha256, merged.Source));

        var shortList = Shard(1, options with { Ids = options.Ids.Take(options.Ids.Count - 1).ToArray() });
        var list = Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, shortList]));
        Assert.Equal("shard1.json", list.File);
        Assert.StartsWith("is a shard of another list than shard0.json's (list_sha256 ", list.Reason);
        var refine = ("refine1.json", s1.Item2 with { Source = "refine 0123456789abcdef" });
        Assert.Equal("scores labels made another way (refine 0123456789abcdef) than shard0.json's (eval --cams)",
            Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, refine])).Reason);
        var layout = ("psa1.json", s1.Item2 with { Format = "B (PSA dict)" });
        Assert.Equal("scored CAMs of layout B (PSA dict), shard0.json of A (IRN dict)",
            Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([s0, layout])).Reason);

        var older = ("older1.json", s1.Item2 with { ListSha256 = null, Source = null });
        Assert.Equal(merged.Confusion, ReportMerge.Merge([s0, older]).Confusion);
        // An older build's report first: the later shards are still compared with each other.
        EvalReport ThirdOf(int k, EvalOptions o) => EvalReport.FromJson(EvalJob.Run(CpuBackend.Shared, o with { Shard = new Shard(k, 3) }).ToJson());
        var olderFirst = ("older0.json", ThirdOf(0, options) with { ListSha256 = null, Source = null });
        var third1 = ("third1.json", ThirdOf(1, options));
        var shortThird2 = ("short2.json", ThirdOf(2, options with { Ids = options.Ids.Take(options.Ids.Count - 1).ToArray() }));
        Assert.StartsWith("is a shard of another list than third1.json's",
            Assert.Throws<Core.WsssInputException>(() => ReportMerge.Merge([olderFirst, third1, shortThird2])).Reason);
    }

    /// <summary>A refine shard's score names its shard, so merge can check the set (it once carried none).</summary>
    [Fact]
    public void Refine_shard_reports_name_their_shard()
    {
        using var tmp = new TempDirectory();
        var ids = File.ReadAllLines(Path.Combine(Root, "train.txt")).Where(l => l.Length > 0).ToArray();
        var report = RefineJob.Run(CpuBackend.Shared, new RefineOptions
        {
            Ids = ids, CamsDirectory = Path.Combine(Root, "irn"), OutputDirectory = tmp.Combine("out"),
            GroundTruthDirectory = Path.Combine(Root, "gt"), Rule = new BackgroundRule.Constant(0.15), Shard = new Shard(1, 3),
        });
        var read = EvalReport.FromJson(report.Score!.ToJson());
        Assert.Equal("1/3", read.Shard);
        // The whole list and the recipe, so that merge refuses shards of another list or recipe.
        Assert.Equal(EvalReport.ListHash(ids), read.ListSha256);
        Assert.Equal("refine " + File.ReadAllText(tmp.Combine("out", "wsss-recipe.json")).Split("\"fingerprint\": \"")[1][..16], read.Source);
    }

    [VulkanTheory]
    [InlineData("irn", "--threshold", "0.15")]
    [InlineData("psa", "--sweep", "0:0.59:0.01")]
    [InlineData("puzzlecam", "--bg-power", "4")]
    [InlineData("vwe", "--sweep", "0.05:0.75:0.05")]
    [InlineData("bg-fg", "--threshold", "0.3")]
    public void Cli_json_is_identical_on_cpu_and_vulkan(string format, string rule, string value)
    {
        using var tmp = new TempDirectory();
        string Run(string backend)
        {
            string json = tmp.Combine(backend + ".json");
            var r = WsssProcess.Run("eval", "--cams", Path.Combine(Root, format), "--gt", Path.Combine(Root, "gt"),
                "--list", Path.Combine(Root, "train.txt"), rule, value, "--backend", backend, "--json", json);
            Assert.True(r.ExitCode == 0, r.StdErr);
            return File.ReadAllText(json).Replace("\"backend\": \"" + backend + "\"", "\"backend\": \"?\"");
        }
        Assert.Equal(Run("cpu"), Run("vulkan"));
    }
}
