using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io;
using static WsssGpuRefine.Tests.Cli.HostileScratch;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>Issue 11's batch items: sweep size (4), resume (8, 9), keep-going with a bad GT (10), one-line messages (12).</summary>
public partial class HostileInputTests
{
    private static string[] Eval(string gt, string list, params string[] extra) =>
        ["eval", "--cams", Fixture("irn"), "--gt", gt, "--list", list, "--backend", "cpu", .. extra];

    private static string[] Refine(string output, params string[] extra) =>
        ["refine", "--cams", Fixture("irn"), "--list", Fixture("train.txt"), "--out", output, "--backend", "cpu", .. extra];

    /// <summary>A copy of the fixture's ground truth whose 2007_000003.png holds one pixel of <paramref name="label"/>.</summary>
    private static string GroundTruthWithLabel(HostileScratch s, byte label)
    {
        string gt = s.CopyFixture("gt");
        EditLabels(Path.Combine(gt, "2007_000003.png"), l => l[l.Length / 2] = label);
        return gt;
    }

    private static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    /// <summary>The scratch copy of a fixture folder holds the fixture's files, byte for byte, and nothing else.</summary>
    private static void AssertCopyUnchanged(HostileScratch s, string folder)
    {
        foreach (string file in Directory.GetFiles(Fixture(folder)))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(s.Combine(folder, Path.GetFileName(file))));
        Assert.Equal(Directory.GetFiles(Fixture(folder)).Length, Directory.GetFileSystemEntries(s.Combine(folder)).Length);
    }

    /// <summary>Every file of <paramref name="expected"/> matching the pattern is in <paramref name="actual"/> with the same bytes.</summary>
    private static void AssertSameFiles(string expected, string actual, string pattern)
    {
        var names = Directory.GetFiles(expected, pattern).Select(Path.GetFileName).Order().ToArray();
        Assert.NotEmpty(names);
        Assert.Equal(names, Directory.GetFiles(actual, pattern).Select(Path.GetFileName).Order().ToArray());
        foreach (string? n in names) Assert.True(File.ReadAllBytes(Path.Combine(expected, n!)).SequenceEqual(File.ReadAllBytes(Path.Combine(actual, n!))), n);
    }

    internal static IEnumerable<HostileCase> SweepCases()
    {
        // 0:1:1e-5 hung, 1e-6 and 1e-8 ran out of memory, 1e-7 overflowed an index.
        foreach (string step in new[] { "1e-5", "1e-6", "1e-7", "1e-8", "1e-300" })
            yield return new HostileCase($"sweep-0:1:{step}-is-refused-at-once", s => Eval(Fixture("gt"), Fixture("train.txt"), "--sweep", $"0:1:{step}", "--json", s.Combine("r.json")))
            {
                ExitCode = 2,
                Error = $@"^error: --sweep: '0:1:{Regex.Escape(step)}' gives [0-9E+]+ thresholds; at most 1001 are swept at once",
                Check = (s, _) => Assert.False(File.Exists(s.Combine("r.json"))),
                MaxPeakBytes = 300L << 20,
                MaxTime = TimeSpan.FromSeconds(30),
            };
        yield return new HostileCase("sweep-0:nan:0.1-is-refused-at-once", _ => Eval(Fixture("gt"), Fixture("train.txt"), "--sweep", "0:NaN:0.1"))
        {
            ExitCode = 2, Error = "^error: --sweep: START, STOP and STEP must be finite numbers",
        };
        yield return new HostileCase("sweep-of-the-maximum-1001-thresholds-runs", s => Eval(Fixture("gt"), Fixture("train.txt"), "--sweep", "0:1:0.001", "--json", s.Combine("r.json")))
        {
            ExitCode = 0,
            Check = (s, _) =>
            {
                var sweep = Json(s.Combine("r.json")).GetProperty("sweep");
                Assert.Equal(1001, sweep.GetArrayLength());
                Assert.Equal(0.15, sweep[150].GetProperty("threshold").GetDouble());
            },
        };
    }

    internal static IEnumerable<HostileCase> NumberOptionCases()
    {
        // A decimal comma once read as a thousands separator (0,15 -> 15) and ran; a non-integer element limit threw out of
        // its validator with a stack trace and exit 134.
        yield return new HostileCase("threshold-with-a-decimal-comma-is-a-usage-error", s => Eval(Fixture("gt"), Fixture("train.txt"), "--threshold", "0,15", "--json", s.Combine("r.json")))
        {
            ExitCode = 2, Error = "^error: --threshold: '0,15' is not a plain number",
            Check = (s, _) => Assert.False(File.Exists(s.Combine("r.json"))),
        };
        yield return new HostileCase("batch-size-with-a-thousands-separator-is-a-usage-error", _ => Eval(Fixture("gt"), Fixture("train.txt"), "--threshold", "0.15", "--batch-size", "1,000"))
        {
            ExitCode = 2, Error = "^error: --batch-size: '1,000' is not a plain number",
        };
        foreach (string value in new[] { "1e3", "abc" })
            yield return new HostileCase($"max-dump-elements-{value}-is-a-usage-error", _ => Eval(Fixture("gt"), Fixture("train.txt"), "--threshold", "0.15", "--max-dump-elements", value))
            {
                ExitCode = 2, Error = $"^error: (Cannot parse argument '{value}' for option '--max-dump-elements'|--max-dump-elements: '{value}' is not a plain number)",
            };
    }

    internal static IEnumerable<HostileCase> OutputPathCases()
    {
        // System messages once came through as .NET wrote them ("Is a directory : '/x'"), not as FILE: REASON.
        // A --json that is a folder is a usage error found before the run, not once its work is done.
        yield return new HostileCase("json-path-that-is-a-folder-is-named-first", s =>
        {
            Directory.CreateDirectory(s.Combine("adir"));
            return Eval(Fixture("gt"), Fixture("train.txt"), "--threshold", "0.15", "--json", s.Combine("adir"));
        })
        {
            ExitCode = 2, Error = "^error: /.*/adir: is a folder; --json takes a file name$",
        };
        yield return new HostileCase("refine-json-that-is-a-folder-is-a-usage-error-that-writes-nothing", s =>
        {
            Directory.CreateDirectory(s.Combine("adir"));
            return Refine(s.Combine("out"), "--threshold", "0.15", "--json", s.Combine("adir"));
        })
        {
            ExitCode = 2, Error = "^error: /.*/adir: is a folder; --json takes a file name$",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
        // refine's records and subfolders in --out are what a resume trusts: a report there replaced the recipe record
        // (the next run then said "another recipe"), or PSA's out_la_crf/ID.npy (np.load then failed on it).
        foreach (var (name, parts) in new (string, string[])[]
        {
            ("recipe-record", ["wsss-recipe.json"]), ("run-manifest", ["wsss-run.json"]), ("journal-folder", ["wsss-done", "x.tsv"]),
            ("score-subfolder", ["out_la_crf", "scores.json"]),
        })
        {
            yield return new HostileCase($"refine-json-among-the-records-in-out-{name}-is-a-usage-error-that-writes-nothing", s =>
                Refine(s.Combine("out"), "--threshold", "0.15", "--gt", Fixture("gt"), "--json", Path.Combine([s.Combine("out"), .. parts])))
            {
                ExitCode = 2, Error = "^error: --json names /.*/out/.*, among the files refine keeps in --out \\(its (wsss-\\* records|subfolders)\\); choose another --json$",
                Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
            };
        }
        // A plot in refine's --out would replace the label map of an image named after it.
        yield return new HostileCase("refine-report-into-out-with-an-image-named-class-iou-is-a-usage-error", s =>
        {
            string cams = s.Combine("cams");
            Directory.CreateDirectory(cams);
            File.Copy(Fixture("irn", Ids[0] + ".npy"), Path.Combine(cams, "class_iou.npy"));
            return ["refine", "--cams", cams, "--list", s.List("class_iou"), "--out", s.Combine("out"), "--backend", "cpu", "--threshold", "0.15", "--report", s.Combine("out")];
        })
        {
            ExitCode = 2, Error = "^error: --report is the --out folder, where image class_iou's label map class_iou.png would be replaced by a plot; choose another --report$",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
        // An image of another size than its ground truth was drawn striped and shifted on the contact sheet, silently.
        yield return new HostileCase("eval-report-leaves-out-an-image-of-another-size-than-its-maps-and-says-so", s =>
        {
            Run("demo", "--generate-only", "--images", "1", "--size", "80x60", "--out", s.Combine("tiny"));
            string images = s.Combine("images");
            Directory.CreateDirectory(images);
            File.Copy(Directory.GetFiles(s.Combine("tiny", "JPEGImages"))[0], Path.Combine(images, Ids[0] + ".jpg"));
            return Eval(Fixture("gt"), s.List(Ids[0]), "--threshold", "0.15", "--report", s.Combine("report"), "--images", images);
        })
        {
            ExitCode = 0, Error = $"^info: contact sheet skips {Regex.Escape(Ids[0])}: the image is 80x60, its ground truth \\d+x\\d+$",
            Check = (s, _) =>
            {
                Assert.True(File.Exists(s.Combine("report", "report.md")));
                Assert.False(File.Exists(s.Combine("report", "contact_sheet.png")));
            },
        };
        yield return new HostileCase("out-below-a-file-is-named-first", s =>
        {
            File.WriteAllText(s.Combine("afile"), "");
            return Refine(s.Combine("afile", "sub"), "--threshold", "0.15");
        })
        {
            Error = "^error: /.*/afile/sub: ",
        };
        // CRF option errors name the option, not the engine's parameter ("error: name: unknown CRF preset" before). Every
        // option value the command cannot run with is a usage error (exit 2, as the parser's own) that writes nothing.
        yield return new HostileCase("refine-unknown-crf-preset-names-the-option", s => Refine(s.Combine("out"), "--threshold", "0.15", "--crf", "nope"))
        {
            ExitCode = 2, Error = "^error: --crf: unknown CRF preset 'nope' \\(known: psa, irn, ",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
        yield return new HostileCase("refine-bad-crf-params-names-the-option", s => Refine(s.Combine("out"), "--threshold", "0.15", "--crf-params", "gauss=x"))
        {
            ExitCode = 2, Error = "^error: --crf-params: gauss takes 2 comma-separated number\\(s\\), got 'x'$",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
        yield return new HostileCase("refine-negative-bg-power-names-the-option", s => Refine(s.Combine("out"), "--bg-power", "-1"))
        {
            ExitCode = 2, Error = "^error: --bg-power: alpha must be finite and non-negative$",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
        // An --out that is an input folder: ID.png would replace the ground truth, ID.npy (--save-scores) the CAM dumps.
        yield return new HostileCase("refine-out-is-the-gt-folder-is-refused-and-the-gt-kept", s =>
        {
            string gt = s.CopyFixture("gt");
            return ["refine", "--cams", Fixture("irn"), "--list", Fixture("train.txt"), "--gt", gt, "--out", gt, "--backend", "cpu", "--threshold", "0.15"];
        })
        {
            Error = "^error: /.*/gt: --out is the --gt folder: its outputs would replace the inputs there; choose another --out$",
            Check = (s, _) => AssertCopyUnchanged(s, "gt"),
        };
        yield return new HostileCase("refine-out-through-a-link-to-the-cams-folder-is-refused-and-the-dumps-kept", s =>
        {
            string cams = s.CopyFixture("irn");
            Directory.CreateSymbolicLink(s.Combine("link"), cams);
            return ["refine", "--cams", cams, "--list", Fixture("train.txt"), "--out", s.Combine("link", ".", ""), "--backend", "cpu", "--threshold", "0.15", "--save-scores"];
        })
        {
            Error = "^error: /.*/link: --out is the --cams folder: ",
            Check = (s, _) => AssertCopyUnchanged(s, "irn"),
        };
        // --report's files (report.md, the plots) would land among the inputs, and replace an image or map of that name.
        yield return new HostileCase("eval-report-into-the-gt-folder-is-a-usage-error-and-the-gt-kept", s =>
        {
            string gt = s.CopyFixture("gt");
            return ["eval", "--cams", Fixture("irn"), "--gt", gt, "--list", Fixture("train.txt"), "--threshold", "0.15", "--backend", "cpu", "--report", gt + "/"];
        })
        {
            ExitCode = 2, Error = "^error: --report is the --gt folder, which this command reads; choose another --report$",
            Check = (s, _) => AssertCopyUnchanged(s, "gt"),
        };
        yield return new HostileCase("refine-report-into-the-cams-folder-is-a-usage-error-that-writes-nothing", s =>
        {
            string cams = s.CopyFixture("irn");
            Directory.CreateSymbolicLink(s.Combine("link"), cams);
            return ["refine", "--cams", cams, "--list", Fixture("train.txt"), "--out", s.Combine("out"), "--backend", "cpu", "--threshold", "0.15", "--report", s.Combine("link")];
        })
        {
            ExitCode = 2, Error = "^error: --report is the --cams folder, which this command reads; choose another --report$",
            Check = (s, _) => { AssertCopyUnchanged(s, "irn"); Assert.False(Directory.Exists(s.Combine("out"))); },
        };
        // A hard link is the same file under another name: the file system's identity (device, inode) says so.
        yield return new HostileCase("json-that-is-the-list-through-a-hard-link-is-a-usage-error", s =>
        {
            string list = s.Combine("train.txt");
            File.Copy(Fixture("train.txt"), list);
            HardLink(list, s.Combine("r.json"));
            return ["eval", "--cams", Fixture("irn"), "--gt", Fixture("gt"), "--list", list, "--threshold", "0.15", "--backend", "cpu", "--json", s.Combine("r.json")];
        })
        {
            ExitCode = 2, Error = "^error: --json names the --list file, which this command reads; choose another --json$",
            Check = (s, _) => Assert.Equal(File.ReadAllBytes(Fixture("train.txt")), File.ReadAllBytes(s.Combine("train.txt"))),
        };
        // A --json named after a listed image in an item folder would replace that image's dump or map, or (in --out) the
        // label map the run just wrote and recorded as done, so a resume would keep a report as a label map.
        yield return new HostileCase("eval-json-named-after-an-image-in-the-gt-folder-is-a-usage-error-and-the-gt-kept", s =>
        {
            string gt = s.CopyFixture("gt");
            return Eval(gt, Fixture("train.txt"), "--threshold", "0.15", "--json", Path.Combine(gt, Ids[1] + ".png"));
        })
        {
            ExitCode = 2, Error = $"^error: --json names {Regex.Escape(Ids[1])}\\.png in the --gt folder, a name of image {Regex.Escape(Ids[1])}'s files there; choose another --json$",
            Check = (s, _) => AssertCopyUnchanged(s, "gt"),
        };
        yield return new HostileCase("refine-json-named-after-an-image-in-the-out-folder-to-be-is-a-usage-error-that-writes-nothing", s =>
            Refine(s.Combine("out"), "--threshold", "0.15", "--gt", Fixture("gt"), "--json", s.Combine("out", "sub", "..", Ids[0] + ".png")))
        {
            ExitCode = 2, Error = $"^error: --json names {Regex.Escape(Ids[0])}\\.png in the --out folder, ",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
        yield return new HostileCase("refine-json-beside-the-labels-under-another-name-is-written", s =>
            Refine(s.Combine("out"), "--threshold", "0.15", "--gt", Fixture("gt"), "--json", s.Combine("out", "miou.json")))
        {
            ExitCode = 0,
            Check = (s, _) =>
            {
                Assert.Equal(Ids.Length, Json(s.Combine("out", "miou.json")).GetProperty("images").GetInt32());
                Assert.All(Ids, id => WsssGpuRefine.Io.Png.LabelPngReader.Read(s.Combine("out", id + ".png")));
            },
        };
        // A --json that is a file the command reads would replace its own input.
        yield return new HostileCase("json-that-is-the-list-through-a-link-is-a-usage-error", s =>
        {
            string list = s.Combine("train.txt");
            File.Copy(Fixture("train.txt"), list);
            File.CreateSymbolicLink(s.Combine("r.json"), list);
            return ["eval", "--cams", Fixture("irn"), "--gt", Fixture("gt"), "--list", list, "--threshold", "0.15", "--backend", "cpu", "--json", s.Combine("r.json")];
        })
        {
            ExitCode = 2, Error = "^error: --json names the --list file, which this command reads; choose another --json$",
            Check = (s, _) => Assert.Equal(File.ReadAllBytes(Fixture("train.txt")), File.ReadAllBytes(s.Combine("train.txt"))),
        };
        yield return new HostileCase("merge-json-that-is-a-merged-report-is-a-usage-error", s =>
        {
            string report = s.Combine("shard0.json");
            Run("eval", "--cams", Fixture("irn"), "--gt", Fixture("gt"), "--list", Fixture("train.txt"), "--threshold", "0.15", "--backend", "cpu", "--json", report);
            return ["merge", report, "--partial", "--json", report];
        })
        {
            ExitCode = 2, Error = "^error: --json names the report shard0.json being merged, which this command reads; choose another --json$",
        };
        foreach (var (name, args, error) in new (string, string[], string)[]
        {
            ("ir-label-one-threshold", ["--ir-label", "0.3"], "^error: --ir-label takes FG,BG thresholds, e.g. 0.30,0.05; got '0.3'$"),
            ("la-ha-not-a-number", ["--la-ha", "4,x"], "^error: --la-ha takes LOW,HIGH alphas, e.g. 4,32; got '4,x'$"),
            ("rw-unknown-source", ["--rw", "edges"], "^error: --rw: expected image, boundary:DIR, features:DIR or matrix:DIR, not 'edges'$"),
            ("rw-negative-beta", ["--rw", "image", "--rw-beta", "-3"], "^error: --rw-beta: must be positive and finite \\(got -3\\)$"),
            ("rw-unknown-preset", ["--rw", "image", "--rw-preset", "nope"], "^error: --rw-preset: unknown random-walk preset 'nope' "),
            ("shard-out-of-range", ["--threshold", "0.15", "--shard", "3/2"], "^error: --shard: expected K/N with 0 <= K < N "),
            ("classes-0", ["--threshold", "0.15", "--classes", "0"], "^error: --classes must be in 2..255$"),
            ("scores-layout-unknown", ["--threshold", "0.15", "--save-scores", "--scores-layout", "hdf5"], "^error: --scores-layout: unknown score layout 'hdf5' "),
            ("max-memory-0", ["--threshold", "0.15", "--max-memory", "0"], "^error: --max-memory takes a positive number of MiB$"),
            ("threshold-and-bg-power", ["--threshold", "0.15", "--bg-power", "3"], "^error: give --threshold or --bg-power, not both$"),
            ("no-first-stage", [], "^error: refine needs a first stage: "),
            ("crf-without-images", ["--threshold", "0.15", "--crf", "irn"], "^error: this recipe needs --images "),
        })
        {
            yield return new HostileCase($"refine-usage-{name}-exits-2-and-writes-nothing", s => Refine(s.Combine("out"), args))
            {
                ExitCode = 2, Error = error,
                Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
            };
        }
        // A usage error before the output folder is touched: it once recorded its recipe there first.
        yield return new HostileCase("refine-batch-size-0-is-a-usage-error-that-writes-nothing", s => Refine(s.Combine("out"), "--threshold", "0.15", "--batch-size", "0"))
        {
            ExitCode = 2, Error = "^error: --batch-size must be at least 1$",
            Check = (s, _) => Assert.False(Directory.Exists(s.Combine("out"))),
        };
    }

    internal static IEnumerable<HostileCase> ResumeCases()
    {
        // The issue's run: labels of a --threshold run, then a --rw image --crf irn run into the same --out.
        yield return new HostileCase("resume-into-an-out-of-another-recipe-stops", s =>
        {
            Run(Refine(s.Combine("out"), "--threshold", "0.15"));
            return Refine(s.Combine("out"), "--rw", "image", "--crf", "irn", "--images", s.Root);
        })
        {
            Error = @"^error: .*/out/wsss-recipe\.json: --out holds the outputs of another recipe \(--threshold 0\.15\), not of this one \(--rw image --crf irn\); " +
                    "use another --out, or --overwrite to recompute them all$",
            Check = (s, _) =>
            {
                Run(Refine(s.Combine("reference"), "--threshold", "0.15"));
                AssertSameFiles(s.Combine("reference"), s.Combine("out"), "*.png");
            },
        };
        yield return new HostileCase("resume-of-other-parameters-of-one-recipe-stops", s =>
        {
            Run(Refine(s.Combine("out"), "--threshold", "0.15"));
            return Refine(s.Combine("out"), "--threshold", "0.3");
        })
        {
            Error = @"wsss-recipe\.json: --out holds the outputs of another recipe \(--threshold 0\.15\), not of this one \(--threshold 0\.3\)",
        };
        yield return new HostileCase("resume-into-an-out-of-another-recipe-with-overwrite-recomputes-all", s =>
        {
            Run(Refine(s.Combine("out"), "--threshold", "0.15"));
            return Refine(s.Combine("out"), "--bg-power", "3", "--overwrite");
        })
        {
            ExitCode = 0,
            Error = @"^info: .*wsss-recipe\.json: recipe changed from \(--threshold 0\.15\) to \(--bg-power 3\)",
            Check = (s, r) =>
            {
                Assert.Contains("wrote 6 label map(s)", r.StdOut);
                Run(Refine(s.Combine("reference"), "--bg-power", "3"));
                AssertSameFiles(s.Combine("reference"), s.Combine("out"), "*.png");
                var again = WsssProcess.Run(Refine(s.Combine("out"), "--bg-power", "3"));
                Assert.Equal(0, again.ExitCode);
                Assert.Contains("wrote 0 label map(s)", again.StdOut);
                Assert.Contains("6 already complete (skipped)", again.StdOut);
            },
        };
        yield return new HostileCase("resume-recomputes-an-item-whose-input-changed", s =>
        {
            string cams = s.CopyFixture("irn");
            string[] args = ["refine", "--cams", cams, "--list", Fixture("train.txt"), "--out", s.Combine("out"), "--threshold", "0.15", "--backend", "cpu"];
            Run(args);
            File.Copy(Path.Combine(cams, "2007_000001.npy"), Path.Combine(cams, "2007_000002.npy"), overwrite: true);
            Run(["refine", "--cams", cams, "--list", Fixture("train.txt"), "--out", s.Combine("reference"), "--threshold", "0.15", "--backend", "cpu"]);
            return args;
        })
        {
            ExitCode = 0,
            Check = (s, r) =>
            {
                Assert.Contains("wrote 1 label map(s)", r.StdOut);
                Assert.Contains("5 already complete (skipped)", r.StdOut);
                AssertSameFiles(s.Combine("reference"), s.Combine("out"), "*.png");
            },
        };
        // Item 9: a scores write fails (here a folder squats on 2007_000004.npy, as a full disk would fail it) and the run
        // stops; the resume must finish that item, not skip it because its PNG exists.
        yield return new HostileCase("resume-after-a-failed-scores-write-completes-every-item", s =>
        {
            string blocker = s.Combine("out", "2007_000004.npy");
            Directory.CreateDirectory(blocker);
            var failed = WsssProcess.Run(Refine(s.Combine("out"), "--threshold", "0.15", "--save-scores"));
            Assert.NotEqual(0, failed.ExitCode);
            Directory.Delete(blocker);
            return Refine(s.Combine("out"), "--threshold", "0.15", "--save-scores");
        })
        {
            ExitCode = 0,
            Check = (s, _) =>
            {
                Run(Refine(s.Combine("reference"), "--threshold", "0.15", "--save-scores"));
                AssertSameFiles(s.Combine("reference"), s.Combine("out"), "*.png");
                AssertSameFiles(s.Combine("reference"), s.Combine("out"), "*.npy");
            },
        };
        yield return new HostileCase("resume-rewrites-an-item-whose-scores-file-is-missing", s =>
        {
            Run(Refine(s.Combine("out"), "--threshold", "0.15", "--save-scores"));
            File.Delete(s.Combine("out", "2007_000002.npy"));
            return Refine(s.Combine("out"), "--threshold", "0.15", "--save-scores");
        })
        {
            ExitCode = 0,
            Check = (s, r) =>
            {
                Assert.Contains("wrote 1 label map(s)", r.StdOut);
                Assert.Equal(6, Directory.GetFiles(s.Combine("out"), "*.npy").Length);
            },
        };
        yield return new HostileCase("resume-with-save-scores-after-a-run-without-writes-the-scores", s =>
        {
            Run(Refine(s.Combine("out"), "--threshold", "0.15"));
            return Refine(s.Combine("out"), "--threshold", "0.15", "--save-scores");
        })
        {
            ExitCode = 0,
            Check = (s, _) => Assert.Equal(6, Directory.GetFiles(s.Combine("out"), "*.npy").Length),
        };
    }

    internal static IEnumerable<HostileCase> KeepGoingCases()
    {
        const string BadGt = @"^error: .*/gt/2007_000003\.png: label (21|200) is outside 0\.\.20 \(255 = ignore; check --classes\)$";
        void FiveScored(HostileScratch s, WsssProcess.Result r)
        {
            var json = Json(s.Combine("r.json"));
            Assert.Equal(5, json.GetProperty("images").GetInt32());
            Assert.Matches(@"/gt/2007_000003\.png: label", Assert.Single(json.GetProperty("failures").EnumerateArray()).GetString());
            Assert.Contains("error: 1 item(s) failed (skipped with --keep-going)", r.StdErr);
        }
        yield return new HostileCase("keep-going-gt-label-21-with-threshold",
            s => Eval(GroundTruthWithLabel(s, 21), Fixture("train.txt"), "--threshold", "0.15", "--keep-going", "--json", s.Combine("r.json")))
        { Error = BadGt, Check = FiveScored };
        yield return new HostileCase("keep-going-gt-label-200-with-sweep",
            s => Eval(GroundTruthWithLabel(s, 200), Fixture("train.txt"), "--sweep", "0:0.59:0.01", "--keep-going", "--json", s.Combine("r.json")))
        { Error = BadGt, Check = FiveScored };
        yield return new HostileCase("keep-going-gt-label-21-with-bg-power",
            s => Eval(GroundTruthWithLabel(s, 21), Fixture("train.txt"), "--bg-power", "3", "--keep-going", "--json", s.Combine("r.json")))
        { Error = BadGt, Check = FiveScored };
        yield return new HostileCase("keep-going-gt-label-21-with-labels",
            s => ["eval", "--labels", Fixture("gt"), "--gt", GroundTruthWithLabel(s, 21), "--list", Fixture("train.txt"), "--keep-going", "--json", s.Combine("r.json")])
        { Error = BadGt, Check = FiveScored };
        yield return new HostileCase("keep-going-predicted-label-21-with-labels-names-the-prediction",
            s => ["eval", "--labels", GroundTruthWithLabel(s, 21), "--gt", Fixture("gt"), "--list", Fixture("train.txt"), "--keep-going", "--json", s.Combine("r.json")])
        { Error = BadGt };
        yield return new HostileCase("keep-going-gt-label-21-with-refine-writes-no-label-for-it",
            s => Refine(s.Combine("out"), "--threshold", "0.15", "--gt", GroundTruthWithLabel(s, 21), "--keep-going", "--json", s.Combine("r.json")))
        {
            Error = BadGt,
            Check = (s, r) =>
            {
                FiveScored(s, r);
                Assert.False(File.Exists(s.Combine("out", "2007_000003.png")));
                Assert.Equal(5, Directory.GetFiles(s.Combine("out"), "*.png").Length);
            },
        };
        yield return new HostileCase("keep-going-off-gt-label-21-stops-naming-the-gt",
            s => Eval(GroundTruthWithLabel(s, 21), Fixture("train.txt"), "--threshold", "0.15", "--json", s.Combine("r.json")))
        { Error = BadGt, Check = (s, _) => Assert.False(File.Exists(s.Combine("r.json"))) };
    }

    internal static IEnumerable<HostileCase> MessageCases()
    {
        yield return new HostileCase("message-empty-list", s => Eval(Fixture("gt"), s.List(), "--threshold", "0.15"))
        { Error = @"^error: .*/list\.txt: the list holds no image ids$" };
        yield return new HostileCase("message-blank-list", s => Eval(Fixture("gt"), s.List("", "  ", ""), "--threshold", "0.15"))
        { Error = @"^error: .*/list\.txt: the list holds no image ids$" };
        yield return new HostileCase("message-nul-in-a-list-line", s => Eval(Fixture("gt"), s.List("2007_000001", "2007\0_000002"), "--threshold", "0.15"))
        { Error = @"^error: .*/list\.txt: line 2: control character \(e\.g\. NUL\) in the line" };
        yield return new HostileCase("message-dotdot-in-a-list-line", s => Eval(Fixture("gt"), s.List("2007_000001", "../../2007_000002"), "--threshold", "0.15"))
        { Error = @"^error: .*/list\.txt: line 2: '\.\./\.\./2007_000002' is not an id, ID\.ext, DIR/ID\.ext or /DIR/ID\.ext" };
        yield return new HostileCase("message-absolute-path-in-a-list-line",
            s => Eval(Fixture("gt"), s.List("/data/voc/JPEGImages/2007_000001.jpg /data/voc/SegmentationClass/2007_000001.png"), "--threshold", "0.15"))
        { Error = @"^error: .*/list\.txt: line 1: '/data/voc/JPEGImages/2007_000001\.jpg' is not an id" };
        yield return new HostileCase("message-psa-list-lines-are-read",
            s => Eval(Fixture("gt"), s.List("/JPEGImages/2007_000001.jpg /SegmentationClassAug/2007_000001.png", "JPEGImages/2007_000002.jpg"),
                "--threshold", "0.15", "--json", s.Combine("r.json")))
        { ExitCode = 0, Check = (s, _) => Assert.Equal(2, Json(s.Combine("r.json")).GetProperty("images").GetInt32()) };
        yield return new HostileCase("message-out-naming-a-file", s =>
        {
            File.WriteAllText(s.Combine("afile"), "not a folder");
            return Refine(s.Combine("afile"), "--threshold", "0.15");
        })
        { Error = @"^error: .*/afile: --out names a file; it must be a folder" };
        // A ground truth that is all 255 counts no class: the mIoU is undefined, JSON null (not the string "NaN").
        yield return new HostileCase("message-all-ignore-gt-gives-a-null-miou", s =>
        {
            string gt = s.CopyFixture("gt");
            foreach (string png in Directory.GetFiles(gt)) EditLabels(png, l => Array.Fill(l, (byte)255));
            return ["eval", "--labels", Fixture("gt"), "--gt", gt, "--list", Fixture("train.txt"), "--json", s.Combine("r.json")];
        })
        {
            ExitCode = 0,
            Check = (s, r) =>
            {
                Assert.Equal(JsonValueKind.Null, Json(s.Combine("r.json")).GetProperty("miou").ValueKind);
                Assert.Contains("mIoU - (no class counted)", r.StdOut);
            },
        };
    }

    /// <summary>
    /// Item 11, the README's shard pattern: four <c>--shard K/4</c> processes (and a duplicate of one) write into one
    /// --out at the same time. Start-up used to delete every *.partial, including those of live shards (44 of 200
    /// outputs lost in one trial of six). The temporaries of a live writer (this test process) must survive, those of
    /// writers that are gone must go, and the outputs must equal a single run's.
    /// </summary>
    [Fact]
    public void Four_concurrent_shards_into_one_out_equal_a_single_run_and_keep_live_temporaries()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"),
            SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 24 }));
        string[] Args(string output, params string[] extra) =>
            ["refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--threshold", "0.15", "--save-scores",
             "--backend", "cpu", "--batch-size", "2", .. extra];
        var single = WsssProcess.Run(Args(tmp.Combine("single")));
        Assert.True(single.ExitCode == 0, single.StdErr);

        string output = tmp.Combine("sharded");
        Directory.CreateDirectory(output);
        string host = WriterIdentity.Current.Split('_')[0];
        string live = Path.Combine(output, $"x.png.{WriterIdentity.Current}_1{AtomicFileWriter.TemporarySuffix}");
        string dead = Path.Combine(output, $"y.png.{host}_999999999_1_1{AtomicFileWriter.TemporarySuffix}");
        string oldUnnamed = Path.Combine(output, $"z.png.4242.1{AtomicFileWriter.TemporarySuffix}");
        string freshUnnamed = Path.Combine(output, $"w.png.4243.1{AtomicFileWriter.TemporarySuffix}");
        foreach (string f in new[] { live, dead, oldUnnamed, freshUnnamed }) File.WriteAllText(f, "partial");
        File.SetLastWriteTimeUtc(oldUnnamed, DateTime.UtcNow - TimeSpan.FromHours(2));

        var shards = new[] { "0/4", "1/4", "2/4", "3/4", "2/4" }.Select(shard =>
        {
            var p = WsssProcess.Start(Args(output, "--shard", shard));
            return (Process: p, StdOut: p.StandardOutput.ReadToEndAsync(), StdErr: p.StandardError.ReadToEndAsync());
        }).ToArray();
        var results = shards.Select(s =>
        {
            Assert.True(s.Process.WaitForExit(TimeSpan.FromMinutes(3)), "a shard did not finish");
            s.Process.WaitForExit();
            return (s.Process.ExitCode, Err: s.StdErr.Result);
        }).ToArray();
        foreach (var s in shards) s.Process.Dispose();
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Err));

        AssertSameFiles(tmp.Combine("single"), output, "*.png");
        AssertSameFiles(tmp.Combine("single"), output, "*.npy");
        Assert.True(File.Exists(live), "a live writer's temporary was deleted");
        Assert.True(File.Exists(freshUnnamed), "a recent temporary of an unknown writer was deleted");
        Assert.False(File.Exists(dead), "a gone writer's temporary was kept");
        Assert.False(File.Exists(oldUnnamed), "an hours-old temporary was kept");
        Assert.Equal(2, Directory.GetFiles(output, "*" + AtomicFileWriter.TemporarySuffix).Length);
        Assert.Equal(4, Directory.GetFiles(output, "wsss-run.shard*of4.json").Length);

        // Every shard recorded its items: a whole-list resume finds them all complete.
        var resume = WsssProcess.Run(Args(output));
        Assert.True(resume.ExitCode == 0, resume.StdErr);
        Assert.Contains("24 already complete (skipped)", resume.StdOut);
    }
}
