using System.Diagnostics;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Tests.Cli;

public class ResumeCliTests
{
    [Fact]
    public void A_killed_refine_run_resumes_to_the_same_outputs_as_an_uninterrupted_one()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string[] Args(string output) =>
        [
            "refine", "--cams", layout.IrnCams, "--images", layout.Images, "--list", layout.List, "--out", output,
            "--rw", "image", "--crf", "irn", "--backend", "cpu", "--batch-size", "2",
        ];

        var reference = WsssProcess.Run(Args(tmp.Combine("reference")));
        Assert.True(reference.ExitCode == 0, reference.StdErr);

        string interrupted = tmp.Combine("interrupted");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "wsss.dll"));
        foreach (string a in Args(interrupted)) start.ArgumentList.Add(a);
        using (var process = Process.Start(start)!)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(2) && !process.HasExited
                   && (!Directory.Exists(interrupted) || Directory.GetFiles(interrupted, "*.png").Length < 3))
                Thread.Sleep(20);
            Assert.False(process.HasExited, "the run finished before it could be interrupted");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        int doneBeforeKill = Directory.GetFiles(interrupted, "*.png").Length;
        Assert.InRange(doneBeforeKill, 3, 15);
        // Whatever the kill left behind is either absent or a complete, readable label map.
        foreach (string png in Directory.GetFiles(interrupted, "*.png")) LabelPngReader.Read(png);

        var resumed = WsssProcess.Run(Args(interrupted));
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("already complete (skipped)", resumed.StdOut);
        Assert.Empty(Directory.GetFiles(interrupted, "*.partial"));
        var expected = Directory.GetFiles(tmp.Combine("reference"), "*.png").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(16, expected.Length);
        Assert.Equal(expected, Directory.GetFiles(interrupted, "*.png").Select(Path.GetFileName).Order().ToArray());
        foreach (string? name in expected)
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Combine("reference"), name!)), File.ReadAllBytes(Path.Combine(interrupted, name!)));
    }

    /// <summary>
    /// A folder written by an earlier build resumes only while its recipe's fingerprint (a hash of the recipe record's
    /// JSON) stays the same. These are the fingerprints 813f205 recorded, when the recipe's parts were serialised by
    /// reflection; the compile-time JSON metadata that replaced it (for NativeAOT builds) must give the same bytes.
    /// </summary>
    [Theory]
    [InlineData("f9d8569eb60f405f", "irn", "--threshold", "0.2", "--crf-params", "preset=irn;iters=1;unsure=0.3")]
    [InlineData("51427ab01f2cde9a", "psa", "--format", "psa", "--bg-power", "8", "--save-scores")]
    [InlineData("293602a5930b0374", "irn", "--ir-label", "0.30,0.05", "--crf", "irn", "--png", "gray")]
    [InlineData("182361ddda50ed96", "psa", "--format", "psa", "--la-ha", "4,32")]
    [InlineData("9316802259fb5106", "irn", "--rw", "image", "--rw-preset", "puzzlecam", "--crf", "irn", "--crf-suffix", "_crf")]
    [InlineData("8672f83193116b77", "psa", "--method", "seam")]
    public void Recipe_fingerprints_stay_those_earlier_builds_recorded(string fingerprint, string dumps, params string[] recipe)
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string list = tmp.Combine("one.txt");
        File.WriteAllLines(list, [File.ReadLines(dumps == "psa" ? layout.PsaList : layout.List).First()]);
        string output = tmp.Combine("out");
        var run = WsssProcess.Run([
            "refine", "--cams", dumps == "psa" ? layout.PsaCams : layout.IrnCams, "--images", layout.Images, "--list", list,
            "--out", output, "--backend", "cpu", .. recipe]);
        Assert.True(run.ExitCode == 0, run.StdErr);
        var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "wsss-recipe.json")))!;
        Assert.Equal(fingerprint, record["fingerprint"]!.GetValue<string>());
    }

    /// <summary>
    /// ID.npy (--save-scores) is written with ID.png; a later run that rewrites ID.png without it (inputs changed,
    /// --overwrite, another recipe) must not leave the earlier scores beside the new labels. Files no wsss run wrote
    /// are never touched.
    /// </summary>
    [Fact]
    public void Score_files_never_outlive_the_labels_they_were_written_with()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string cams = tmp.Combine("cams");
        Directory.CreateDirectory(cams);
        foreach (string f in Directory.GetFiles(layout.IrnCams)) File.Copy(f, Path.Combine(cams, Path.GetFileName(f)));
        string[] ids = File.ReadAllLines(layout.List);
        string output = tmp.Combine("out");
        WsssProcess.Result Refine(params string[] recipe)
        {
            var r = WsssProcess.Run(["refine", "--cams", cams, "--list", layout.List, "--out", output, "--backend", "cpu", .. recipe]);
            Assert.True(r.ExitCode == 0, r.StdErr);
            return r;
        }
        string[] Scores() => Directory.GetFiles(output, "*.npy").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToArray()!;

        Refine("--threshold", "0.15", "--save-scores");
        Assert.Equal(ids.Order(StringComparer.Ordinal), Scores());

        // One CAM changed: its item is recomputed without scores, and its old ID.npy goes; the others stay complete.
        File.SetLastWriteTimeUtc(Path.Combine(cams, ids[0] + ".npy"), DateTime.UtcNow.AddMinutes(1));
        var changed = Refine("--threshold", "0.15");
        Assert.Contains("info: removed 1 score file(s) (ID.npy) that an earlier --save-scores run wrote", changed.StdErr);
        Assert.Equal(ids.Skip(1).Order(StringComparer.Ordinal), Scores());

        // --overwrite without --save-scores: every label map is rewritten, so no score file stays.
        Refine("--threshold", "0.15", "--overwrite");
        Assert.Empty(Scores());

        // Another recipe replacing this one (--overwrite) removes the replaced recipe's scores first.
        Refine("--threshold", "0.15", "--save-scores", "--overwrite");
        Assert.Equal(ids.Length, Scores().Length);
        var replaced = Refine("--threshold", "0.2", "--overwrite");
        Assert.Contains($"info: removed the replaced recipe's {ids.Length} score file(s) (ID.npy)", replaced.StdErr);
        Assert.Empty(Scores());

        // An ID.npy that no wsss run wrote (a method's own output in a reused folder) is kept, byte for byte.
        byte[] foreign = File.ReadAllBytes(Path.Combine(cams, ids[1] + ".npy"));
        File.WriteAllBytes(Path.Combine(output, ids[1] + ".npy"), foreign);
        Refine("--threshold", "0.2", "--overwrite");
        Refine("--threshold", "0.25", "--overwrite");
        Assert.Equal(foreign, File.ReadAllBytes(Path.Combine(output, ids[1] + ".npy")));

        // Any journal line counts, not only an id's last one: a later journal (an older build's run that rewrote the
        // item without --save-scores and left its ID.npy) does not hide the run that wrote the scores.
        Refine("--threshold", "0.25", "--save-scores");
        string journals = Path.Combine(output, "wsss-done");
        string last = Directory.GetFiles(journals, "*.tsv").MaxBy(File.GetLastWriteTimeUtc)!;   // the --save-scores run's
        string[] line = File.ReadLines(last).First(l => l.StartsWith(ids[2] + "\t", StringComparison.Ordinal)).Split('\t');
        Assert.Equal("1", line[2]);
        // '~' sorts after every writer name (host, pid, start time), so this journal's line is the id's last.
        File.WriteAllText(Path.Combine(journals, Path.GetFileName(last).Split('.')[0] + ".~older-build.tsv"),
            string.Join('\t', line[0], line[1], "0", "0") + "\n");
        File.SetLastWriteTimeUtc(Path.Combine(cams, ids[2] + ".npy"), DateTime.UtcNow.AddMinutes(2));
        Refine("--threshold", "0.25");
        Assert.DoesNotContain(ids[2], Scores());
        Refine("--threshold", "0.25", "--overwrite");
        Assert.Empty(Scores());
    }

    /// <summary>la/ha's two CRFs, saved in PSA's out_la_crf/ and out_ha_crf/ with --save-scores, go too when a run rewrites the labels without them.</summary>
    [Fact]
    public void La_ha_score_folders_go_with_the_labels_they_were_written_with()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string list = tmp.Combine("two.txt");
        File.WriteAllLines(list, File.ReadLines(layout.PsaList).Take(2));
        string output = tmp.Combine("out");
        void Refine(params string[] extra)
        {
            var r = WsssProcess.Run(["refine", "--cams", layout.PsaCams, "--images", layout.Images, "--list", list, "--out", output,
                "--format", "psa", "--la-ha", "4,32", "--backend", "cpu", .. extra]);
            Assert.True(r.ExitCode == 0, r.StdErr);
        }
        int Count() => new[] { output, Path.Combine(output, "out_la_crf"), Path.Combine(output, "out_ha_crf") }
            .Sum(d => Directory.Exists(d) ? Directory.GetFiles(d, "*.npy").Length : 0);

        Refine("--save-scores");
        Assert.Equal(2, Directory.GetFiles(Path.Combine(output, "out_la_crf"), "*.npy").Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(output, "out_ha_crf"), "*.npy").Length);
        int written = Count();
        Refine("--overwrite");
        Assert.True(written >= 4, $"{written} score files");
        Assert.Equal(0, Count());
    }

    /// <summary>A folder an older build wrote: resuming says so; --overwrite recomputes everything and records this build.</summary>
    [Fact]
    public void Overwrite_of_an_older_builds_folder_records_this_build_instead_of_saying_it_resumes()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string output = tmp.Combine("out"), record = Path.Combine(output, "wsss-recipe.json");
        WsssProcess.Result Refine(params string[] extra)
        {
            var r = WsssProcess.Run(["refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--backend", "cpu", "--threshold", "0.15", .. extra]);
            Assert.True(r.ExitCode == 0, r.StdErr);
            return r;
        }
        string Version() => System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(record))!["version"]!.GetValue<string>();
        Refine();
        string current = Version();
        File.WriteAllText(record, File.ReadAllText(record).Replace(current, "0.0.1+older"));

        Assert.Contains("outputs made by wsss 0.0.1+older are resumed by", Refine().StdErr);
        Assert.Equal("0.0.1+older", Version());
        Assert.DoesNotContain("resumed by", Refine("--overwrite").StdErr);
        Assert.Equal(current, Version());
        Assert.DoesNotContain("resumed by", Refine().StdErr);
    }

    /// <summary>
    /// The files that say which classes an image holds (its ground truth, or --cls-labels) decide how some dumps are read,
    /// so an item whose ground truth changed is recomputed; a journal line of an older build, which did not stamp them,
    /// still resumes.
    /// </summary>
    [Fact]
    public void An_item_whose_ground_truth_changed_is_recomputed_and_older_journal_lines_still_resume()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string output = tmp.Combine("out");
        string[] args = ["refine", "--cams", layout.IrnCams, "--list", layout.List, "--gt", layout.GroundTruth, "--out", output, "--threshold", "0.15", "--backend", "cpu"];
        string[] ids = File.ReadAllLines(layout.List);
        WsssProcess.Result Run()
        {
            var r = WsssProcess.Run(args);
            Assert.True(r.ExitCode == 0, r.StdErr);
            return r;
        }

        Run();
        Assert.Contains($", {ids.Length} already complete (skipped)", Run().StdOut);
        string gt = Path.Combine(layout.GroundTruth, ids[0] + ".png");
        File.SetLastWriteTimeUtc(gt, File.GetLastWriteTimeUtc(gt).AddHours(1));
        Assert.Contains($"wrote 1 label map(s) to {output}, {ids.Length - 1} already complete (skipped)", Run().StdOut);

        // An older build's journal: the same lines without the ground truth's stamp after ';'.
        foreach (string journal in Directory.GetFiles(Path.Combine(output, "wsss-done")))
            File.WriteAllLines(journal, File.ReadAllLines(journal).Select(line =>
            {
                var fields = line.Split('\t');
                fields[1] = fields[1].Split(';')[0];
                return string.Join('\t', fields);
            }));
        Assert.Contains($"wrote 0 label map(s) to {output}, {ids.Length} already complete (skipped)", Run().StdOut);
    }

    /// <summary>
    /// With --crf-suffix _crf, image a's CRF labels are a_crf.png: a later run of a list holding an image named a_crf
    /// replaced them with that image's labels, and a resume of a then kept them. Refused, and a's files are kept.
    /// </summary>
    [Fact]
    public void An_image_named_like_an_earlier_images_crf_labels_is_refused_and_its_files_kept()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        string[] ids = File.ReadAllLines(layout.List);
        string cams = tmp.Combine("cams"), images = tmp.Combine("images"), output = tmp.Combine("out");
        Directory.CreateDirectory(cams);
        Directory.CreateDirectory(images);
        foreach (var (id, name) in new[] { (ids[0], "a"), (ids[1], "a_crf") })
        {
            File.Copy(Path.Combine(layout.IrnCams, id + ".npy"), Path.Combine(cams, name + ".npy"));
            File.Copy(Path.Combine(layout.Images, id + ".jpg"), Path.Combine(images, name + ".jpg"));
        }
        WsssProcess.Result Run(string id) => WsssProcess.Run("refine", "--cams", cams, "--images", images, "--list", WriteList(tmp, id),
            "--out", output, "--threshold", "0.15", "--crf", "irn", "--crf-suffix", "_crf", "--backend", "cpu");

        Assert.Equal(0, Run("a").ExitCode);
        byte[] crfLabels = File.ReadAllBytes(Path.Combine(output, "a_crf.png"));
        var clash = Run("a_crf");
        Assert.Equal(1, clash.ExitCode);
        Assert.Contains("this list and an earlier run into --out hold 'a' and 'a_crf': a_crf.png would be both images' output", clash.StdErr);
        Assert.Equal(crfLabels, File.ReadAllBytes(Path.Combine(output, "a_crf.png")));
        Assert.False(File.Exists(Path.Combine(output, "a_crf_crf.png")));
    }

    /// <summary>
    /// A sharded --overwrite to a new recipe leaves the other shards' ids with the old recipe's maps until those shards
    /// rerun; eval --labels on the folder scored the mixture without a word. It now says how many maps its recipe has not
    /// recorded, and says nothing once every shard has run.
    /// </summary>
    [Fact]
    public void Eval_of_a_refine_folder_says_which_label_maps_its_recipe_has_not_recorded()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), SyntheticVocSample.Generate());
        int count = File.ReadAllLines(layout.List).Length;
        string output = tmp.Combine("out");
        void Refine(params string[] extra)
        {
            var r = WsssProcess.Run(["refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--backend", "cpu", .. extra]);
            Assert.True(r.ExitCode == 0, r.StdErr);
        }
        string EvalErrors()
        {
            var r = WsssProcess.Run("eval", "--labels", output, "--gt", layout.GroundTruth, "--list", layout.List, "--backend", "cpu");
            Assert.True(r.ExitCode == 0, r.StdErr);
            return r.StdErr;
        }

        Refine("--threshold", "0.15");
        Assert.DoesNotContain("not recorded", EvalErrors());
        Refine("--threshold", "0.3", "--overwrite", "--shard", "0/2");
        Assert.Contains($"info: {output}: {count / 2} of {count} listed label map(s) (e.g. ", EvalErrors());
        Assert.Contains("are not recorded as outputs of its recipe (--threshold 0.3): an unfinished refine, or maps of another recipe", EvalErrors());
        Refine("--threshold", "0.3", "--shard", "1/2");
        Assert.DoesNotContain("not recorded", EvalErrors());
    }

    private static string WriteList(TempDirectory tmp, string id)
    {
        string list = tmp.Combine(id + ".txt");
        File.WriteAllText(list, id + "\n");
        return list;
    }
}
