using System.Text.Json;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Methods;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>
/// Every seed method's dumps, written once per test class by real numpy/torch
/// (Fixtures/methods/make_method_dumps.py), with the numpy rendering of each method's own evaluation.
/// </summary>
public sealed class MethodDumpsFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public MethodDumpsFixture()
    {
        PythonProcess.Run(PythonProcess.FixtureScript("methods/make_method_dumps.py"), Root);
        Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")));
    }

    public string Root => _directory.Path;
    public string Path_(params string[] parts) => Path.Combine([Root, .. parts]);
    public JsonDocument Expected { get; }

    public void Dispose()
    {
        Expected.Dispose();
        _directory.Dispose();
    }
}

/// <summary>
/// <c>--method NAME</c> end to end through the CLI on each method's own dump layout, with the outputs read back as
/// the method's next step reads them (imageio / PIL for label PNGs, <c>np.load(...).item()</c> for score dicts).
/// </summary>
public sealed class MethodPresetTests(MethodDumpsFixture data) : IClassFixture<MethodDumpsFixture>
{
    public static TheoryData<string> EvaluatedMethods =>
        ["irn", "conta", "rpnet", "cda", "bes", "wsgcn", "psa", "ssdd", "vwe", "sccam", "advcam", "seam", "cpn", "puzzlecam", "puzzlecam-readme"];

    [Theory]
    [MemberData(nameof(EvaluatedMethods))]
    public void Eval_preset_gives_the_methods_own_evaluation_without_cls_labels(string method)
    {
        // The PSA-layout dicts hold an occluded class that has no ground-truth pixel (image 2007_000002: keys {0, 6},
        // GT {0}); the preset still reads them, and the score equals numpy's rendering of the method's rule.
        string json = data.Path_("eval-" + method + ".json");
        var r = WsssProcess.Run("eval", "--method", method, "--cams", data.Path_("dumps", method), "--gt", data.Path_("SegmentationClass"),
            "--list", data.Path_("train.txt"), "--json", json);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var expected = data.Expected.RootElement.GetProperty(method);
        Assert.Equal(MethodPresets.Get(method).Metric.Value.ToString().ToLowerInvariant().Replace("gtpresent", "gt-present"),
            report.RootElement.GetProperty("metric").GetString());
        Assert.Equal(expected.GetProperty("threshold").GetDouble(), report.RootElement.GetProperty("threshold").GetDouble(), 9);
        Assert.Equal(expected.GetProperty("miou").GetDouble(), report.RootElement.GetProperty("miou").GetDouble(), 12);
    }

    /// <summary>
    /// Puzzle-CAM's random-walk dicts ({"keys", "rw"}) are swept as its evaluate.py <c>--mode rw</c> sweeps them (0.05 to
    /// 0.45, not the CAM sweep to 0.75) and get the over/under-activation report that mode prints.
    /// </summary>
    [Fact]
    public void Eval_preset_sweeps_puzzlecam_random_walk_dicts_as_its_rw_mode()
    {
        string json = data.Path_("eval-puzzlecam-rw.json");
        var r = WsssProcess.Run("eval", "--method", "puzzlecam", "--cams", data.Path_("dumps", "puzzlecam_rw"), "--gt", data.Path_("SegmentationClass"),
            "--list", data.Path_("train.txt"), "--json", json);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var expected = data.Expected.RootElement.GetProperty("puzzlecam_rw");
        Assert.Equal([0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45],
            report.RootElement.GetProperty("sweep").EnumerateArray().Select(p => Math.Round(p.GetProperty("threshold").GetDouble(), 9)));
        Assert.Equal(expected.GetProperty("threshold").GetDouble(), report.RootElement.GetProperty("threshold").GetDouble(), 9);
        Assert.Equal(expected.GetProperty("miou").GetDouble(), report.RootElement.GetProperty("miou").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Object, report.RootElement.GetProperty("over_under").ValueKind);
        Assert.Contains("Over Th=", r.StdOut);
        // The CAM dumps of the same method keep the CAM sweep and no over/under report.
        var cams = WsssProcess.Run("eval", "--method", "puzzlecam", "--cams", data.Path_("dumps", "puzzlecam"), "--gt", data.Path_("SegmentationClass"),
            "--list", data.Path_("train.txt"));
        Assert.True(cams.ExitCode == 0, cams.StdErr);
        Assert.DoesNotContain("Over Th=", cams.StdOut);
    }

    [Theory]
    [InlineData("chainercv")]
    [InlineData("seam")]
    [InlineData("wsgcn")]
    [InlineData("icd")]
    [InlineData("gt-present")]
    public void Label_metrics_count_predicted_ignore_as_each_methods_code_does(string metric)
    {
        // seam: a predicted 255 adds to its GT row only (YudeWang/SEAM evaluation.py:37-48); chainercv: background.
        string json = data.Path_("labels-" + metric + ".json");
        var r = WsssProcess.Run("eval", "--labels", data.Path_("labels"), "--gt", data.Path_("SegmentationClass"),
            "--list", data.Path_("train.txt"), "--metric", metric, "--json", json);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(data.Expected.RootElement.GetProperty("labels").GetProperty(metric).GetDouble(),
            report.RootElement.GetProperty("miou").GetDouble(), 12);
    }

    public static TheoryData<string, string[], string?> RefineCases => new()
    {
        // method, extra arguments, score layout read back (null: no --save-scores)
        { "irn", [], null },
        { "conta", [], null },
        { "rpnet", [], null },
        { "cda", [], null },
        { "advcam", [], null },
        { "bes", ["--rw", "image"], null },
        { "wsgcn", [], null },
        { "psa", [], "bg-fg" },
        { "seam", [], "bg-fg" },
        { "ssdd", [], "bg-fg" },
        { "sccam", [], null },
        { "rrm", [], null },
        { "puzzlecam", ["--rw", "image"], "puzzlecam" },
        { "puzzlecam-readme", [], null },
        { "vwe", [], "array" },
        { "cpn", ["--threshold", "0.3"], "array" },
        { "icd", ["--icd-seeds", "@icd_seeds", "--cls-labels", "@Annotations"], null },
        { "ial", ["--threshold", "0.2", "--crf", "psa"], "array" },
    };

    [Theory]
    [MemberData(nameof(RefineCases))]
    public void Refine_preset_writes_what_the_methods_next_step_reads(string method, string[] extra, string? layout)
    {
        var preset = MethodPresets.Get(method);
        string output = data.Path_("refine-" + method);
        var args = new List<string>
        {
            "refine", "--method", method, "--cams", data.Path_("dumps", method), "--images", data.Path_("JPEGImages"),
            "--list", data.Path_("train.txt"), "--out", output, "--overwrite",
        };
        args.AddRange(extra.Select(a => a == "@icd_seeds" ? data.Path_("dumps", "icd_seeds") : a == "@Annotations" ? data.Path_("Annotations") : a));
        if (layout is not null) args.Add("--save-scores");
        var r = WsssProcess.Run([.. args]);
        Assert.True(r.ExitCode == 0, r.StdErr);

        string flavour = preset.Png.Value == LabelPngFlavour.Gray ? "gray" : "palette";
        var readBack = new List<string> { output, flavour };
        if (layout is not null) readBack.Add(layout);
        // la/ha: the two CRF dicts PSA's train_aff.py loads (jiwoon-ahn/psa train_aff.py:30-31, 43).
        string? laHa = preset.LaHa is not null && extra.Length == 0 && layout == "bg-fg" ? Path.Combine(output, "out_la_crf") : null;
        using var seen = JsonDocument.Parse(PythonProcess.Run(PythonProcess.FixtureScript("methods/read_back.py"), [.. readBack]));
        var labels = seen.RootElement.GetProperty("labels");
        foreach (string id in File.ReadAllLines(data.Path_("train.txt")).Where(l => l.Length > 0))
        {
            // imageio / PIL see exactly the label values we wrote.
            var ours = LabelPngReader.Read(Path.Combine(output, id + ".png"));
            var theirs = labels.GetProperty(id);
            Assert.Equal(new[] { ours.Height, ours.Width }, theirs.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(ours.Labels.Sum(b => (long)b), theirs.GetProperty("sum").GetInt64());
        }
        if (laHa is not null)
        {
            foreach (string folder in new[] { "out_la_crf", "out_ha_crf" })
            {
                using var dicts = JsonDocument.Parse(PythonProcess.Run(PythonProcess.FixtureScript("methods/read_back.py"), Path.Combine(output, folder), flavour, "bg-fg"));
                var scores = dicts.RootElement.GetProperty("scores");
                Assert.Equal(3, scores.EnumerateObject().Count());
                foreach (var item in scores.EnumerateObject())
                {
                    // CRF marginals: every pixel sums to 1 over {0: bg, c+1: prob}.
                    var range = item.Value.GetProperty("sum_range").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    Assert.InRange(range[0], 0.9999, 1.0001);
                    Assert.InRange(range[1], 0.9999, 1.0001);
                    Assert.Equal(0, item.Value.GetProperty("keys")[0].GetInt32());
                }
            }
        }
        if (layout is "puzzlecam")
        {
            foreach (var item in seen.RootElement.GetProperty("scores").EnumerateObject())
            {
                Assert.Equal(0, item.Value.GetProperty("keys")[0].GetInt32());
                Assert.Equal(1.0, item.Value.GetProperty("max").GetDouble(), 5);   // rw divided by its global max
            }
            Assert.Equal(3, seen.RootElement.GetProperty("scores").EnumerateObject().Count());
        }
        else if (layout is not null && laHa is null)
        {
            Assert.Equal(3, seen.RootElement.GetProperty("scores").EnumerateObject().Count());
        }
    }

    /// <summary>
    /// <c>--method vwe</c> refines as VWE v2's crf.py does (rulixiang/vwe v2/crf.py:13,123-130,144,183): bkgscore 0.15, the
    /// vwe CRF on the softmax, grayscale PNGs; the same bytes as those flags given one by one, and not the bare threshold.
    /// </summary>
    [Fact]
    public void Vwe_refine_preset_is_crf_py()
    {
        string[] Common(string output) => ["refine", "--cams", data.Path_("dumps", "vwe"), "--images", data.Path_("JPEGImages"),
            "--list", data.Path_("train.txt"), "--out", output, "--overwrite"];
        string preset = data.Path_("refine-vwe-crfpy"), explicitFlags = data.Path_("refine-vwe-explicit"), bare = data.Path_("refine-vwe-bare");
        foreach (var args in new[]
                 {
                     [.. Common(preset), "--method", "vwe"],
                     [.. Common(explicitFlags), "--format", "vwe", "--threshold", "0.15", "--crf", "vwe", "--png", "gray"],
                     Common(bare).Concat(["--format", "vwe", "--threshold", "0.15", "--png", "gray"]).ToArray(),
                 })
        {
            var r = WsssProcess.Run(args);
            Assert.True(r.ExitCode == 0, r.StdErr);
        }
        var ids = File.ReadAllLines(data.Path_("train.txt")).Where(l => l.Length > 0).ToArray();
        foreach (string id in ids)
            Assert.Equal(File.ReadAllBytes(Path.Combine(explicitFlags, id + ".png")), File.ReadAllBytes(Path.Combine(preset, id + ".png")));
        Assert.Contains(ids, id => !File.ReadAllBytes(Path.Combine(bare, id + ".png")).SequenceEqual(File.ReadAllBytes(Path.Combine(preset, id + ".png"))));
    }

    [Fact]
    public void Wsgcn_final_crf_runs_on_the_stored_background_of_logit_dicts_and_writes_crf_logit_dicts()
    {
        string output = data.Path_("refine-wsgcn-final");
        var r = WsssProcess.Run("refine", "--method", "wsgcn", "--cams", data.Path_("dumps", "wsgcn_logit"), "--crf", "wsgcn-final",
            "--images", data.Path_("JPEGImages"), "--list", data.Path_("train.txt"), "--out", output, "--save-scores", "--overwrite");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var seen = JsonDocument.Parse(PythonProcess.Run(PythonProcess.FixtureScript("methods/read_back.py"), output, "palette", "bg-fg"));
        var first = seen.RootElement.GetProperty("scores").GetProperty("2007_000001");
        // {0: bg, 12: dog, 15: person} as the Logit dict held them; the CRF's marginals sum to 1.
        Assert.Equal(new[] { 0, 12, 15 }, first.GetProperty("keys").EnumerateArray().Select(e => e.GetInt32()));
        Assert.InRange(first.GetProperty("sum_range")[0].GetDouble(), 0.9999, 1.0001);
    }

    [Fact]
    public void Refine_json_without_ground_truth_reports_counts_timings_and_failures()
    {
        string json = data.Path_("run.json");
        var r = WsssProcess.Run("refine", "--method", "irn", "--cams", data.Path_("dumps", "irn"), "--images", data.Path_("JPEGImages"),
            "--list", data.Path_("train.txt"), "--out", data.Path_("refine-json"), "--json", json, "--overwrite");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(3, report.RootElement.GetProperty("written").GetInt32());
        Assert.Equal(0, report.RootElement.GetProperty("failures").GetArrayLength());
        Assert.True(report.RootElement.GetProperty("stage_seconds").GetProperty("ir-label+crf").GetDouble() > 0);
        Assert.False(report.RootElement.TryGetProperty("miou", out _));
    }

    [Fact]
    public void An_ambiguous_int_keyed_dict_asks_for_cls_labels_and_the_xml_annotations_resolve_it()
    {
        // Keys {0, 6} with no ground truth: a PSA dict of classes 0 and 6, or bg + class 5. Without a layout
        // named (--format bg-fg / psa both possible under ssdd's own format) only the image-level labels tell.
        string output = data.Path_("refine-ambiguous");
        var ambiguous = WsssProcess.Run("refine", "--format", "ssdd", "--cams", data.Path_("dumps", "psa"), "--threshold", "0.2",
            "--list", data.Path_("train.txt"), "--out", output, "--keep-going");
        Assert.NotEqual(0, ambiguous.ExitCode);
        Assert.Contains(ambiguous.ErrorLines, l => l.Contains("2007_000002.npy") && l.Contains("--cls-labels"));
        var resolved = WsssProcess.Run("refine", "--format", "ssdd", "--cams", data.Path_("dumps", "psa"), "--threshold", "0.2",
            "--list", data.Path_("train.txt"), "--out", output + "-resolved", "--cls-labels", data.Path_("Annotations"));
        Assert.True(resolved.ExitCode == 0, resolved.StdErr);
    }

    [Fact]
    public void Explicit_flags_override_the_preset()
    {
        string json = data.Path_("override.json");
        var r = WsssProcess.Run("eval", "--method", "seam", "--threshold", "0.3", "--metric", "chainercv", "--cams", data.Path_("dumps", "seam"),
            "--gt", data.Path_("SegmentationClass"), "--list", data.Path_("train.txt"), "--json", json);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("chainercv", report.RootElement.GetProperty("metric").GetString());
        Assert.Equal(0.3, report.RootElement.GetProperty("threshold").GetDouble());
        Assert.False(report.RootElement.TryGetProperty("sweep", out _));
    }
}

/// <summary>The presets against the methods' own outputs (Fixtures/methods/golden, written by IRN's and SEAM's code).</summary>
public sealed class MethodGoldenTests
{
    private static string Golden(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", "methods", "golden", .. parts]);

    private static void RefineGolden(string method, string cams, string output, params string[] extra)
    {
        var r = WsssProcess.Run(["refine", "--method", method, "--cams", cams, "--images", Golden("voc", "JPEGImages"),
            "--list", Golden("train.txt"), "--out", output, .. extra]);
        Assert.True(r.ExitCode == 0, r.StdErr);
    }

    [Fact]
    public void Irn_preset_reproduces_cam_to_ir_label_pixel_for_pixel_as_grayscale()
    {
        using var temp = new TempDirectory();
        RefineGolden("irn", Golden("irn", "cam"), temp.Path);
        // imageio reads ours and IRN's the same way: 2-D uint8, identical.
        string result = PythonProcess.RunCode(
            "import sys, imageio, numpy as np\n" +
            "for i in open(sys.argv[3]).read().split():\n" +
            "    a = imageio.imread(sys.argv[1] + '/' + i + '.png'); b = imageio.imread(sys.argv[2] + '/' + i + '.png')\n" +
            "    assert a.ndim == 2 and a.dtype == np.uint8 and a.shape == b.shape\n" +
            "    print(i, int((a != b).sum()))\n",
            temp.Path, Golden("irn", "ir_label"), Golden("train.txt"));
        Assert.Equal(3, result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.All(result.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.EndsWith(" 0", line));
    }

    [Fact]
    public void Seam_preset_writes_the_la_ha_crf_dicts_infer_seam_writes()
    {
        using var temp = new TempDirectory();
        RefineGolden("seam", Golden("seam", "out_cam"), temp.Path, "--save-scores");
        // np.load(...).item() of ours and of SEAM's out_crf_4.0 / out_crf_24.0: same keys in the same order, same values.
        string result = PythonProcess.RunCode(
            "import sys, numpy as np\n" +
            "for i in open(sys.argv[2]).read().split():\n" +
            "    for ours, theirs in (('out_la_crf', 'out_crf_4.0'), ('out_ha_crf', 'out_crf_24.0')):\n" +
            "        d = np.load(sys.argv[1] + '/' + ours + '/' + i + '.npy', allow_pickle=True).item()\n" +
            "        e = np.load(sys.argv[3] + '/' + theirs + '/' + i + '.npy', allow_pickle=True).item()\n" +
            "        assert list(d) == list(e), (list(d), list(e))\n" +
            "        assert all(d[k].dtype == e[k].dtype and d[k].shape == e[k].shape for k in d)\n" +
            "        print(max(float(np.abs(d[k] - e[k]).max()) for k in d))\n",
            temp.Path, Golden("train.txt"), Golden("seam"));
        var differences = result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(double.Parse).ToArray();
        Assert.Equal(6, differences.Length);
        Assert.All(differences, d => Assert.InRange(d, 0, 1e-5));
    }
}
