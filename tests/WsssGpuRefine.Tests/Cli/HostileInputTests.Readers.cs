using System.Text.RegularExpressions;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Tests.Io;
using static WsssGpuRefine.Tests.Cli.HostileScratch;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>
/// Issue 11's reader items through the real <c>wsss</c>: nesting depth (1), stride-0 torch views (2), declared image
/// sizes (3). Each replaces one file of the eval fixture with the attack; the file is named in one error line.
/// </summary>
public partial class HostileInputTests
{
    private static string[] EvalCams(string cams, string gt, params string[] extra) =>
        ["eval", "--cams", cams, "--gt", gt, "--list", Fixture("train.txt"), "--threshold", "0.15", "--backend", "cpu", .. extra];

    /// <summary>A copy of the fixture's dumps whose first id's dump is <paramref name="bytes"/>; returns (folder, that file).</summary>
    private static (string Cams, string File) CamsWith(HostileScratch s, byte[] bytes)
    {
        string cams = s.CopyFixture("irn");
        string file = Path.Combine(cams, Ids[0] + ".npy");
        File.WriteAllBytes(file, bytes);
        return (cams, file);
    }

    /// <summary>An Annotations/ folder written from the fixture's ground truth (each image's classes as objects).</summary>
    private static string AnnotationsFromGroundTruth(HostileScratch s)
    {
        string dir = s.Combine("Annotations");
        Directory.CreateDirectory(dir);
        var names = WsssGpuRefine.Datasets.Voc2012.ClassNames;
        foreach (string id in Ids)
        {
            var gt = WsssGpuRefine.Io.Png.LabelPngReader.Read(Fixture("gt", id + ".png"));
            var objects = gt.Labels.Where(v => v is > 0 and < 21).Distinct().Select(v => $"<object><name>{names[v]}</name><difficult>0</difficult></object>");
            File.WriteAllText(Path.Combine(dir, id + ".xml"), "<annotation>" + string.Concat(objects) + "</annotation>");
        }
        return dir;
    }

    internal static IEnumerable<HostileCase> AnnotationCases()
    {
        // One malformed ID.xml once stopped the whole run, --keep-going or not; it now fails its own image.
        yield return new HostileCase("malformed-annotation-xml-fails-its-image-only", s =>
        {
            string ann = AnnotationsFromGroundTruth(s);
            File.WriteAllText(Path.Combine(ann, Ids[1] + ".xml"), "<annotation><object>");
            return EvalCams(Fixture("irn"), Fixture("gt"), "--cls-labels", ann, "--keep-going", "--json", s.Combine("r.json"));
        })
        {
            Error = $"^error: .*Annotations/{Regex.Escape(Ids[1])}\\.xml: not a VOC annotation",
            Check = (s, _) => Assert.Equal(Ids.Length - 1, Json(s.Combine("r.json")).GetProperty("images").GetInt32()),
        };
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string path);

    /// <summary>Gives <paramref name="existing"/> a second name, <paramref name="path"/> (a hard link; Linux, as CI).</summary>
    internal static void HardLink(string existing, string path) =>
        Assert.True(link(existing, path) == 0, $"link {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");

    /// <summary>Replaces <paramref name="file"/> with a named pipe that nothing writes to (Linux, as CI).</summary>
    private static void ReplaceWithPipe(string file)
    {
        File.Delete(file);
        Assert.True(mkfifo(file, 0x1A4 /* 0644 */) == 0, $"mkfifo {file}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Files of one item that are no regular file: a pipe without a writer (opening it waited forever), a link to a
    /// device that never ends, a folder; each fails its own image in one line, with --keep-going the others are scored.
    /// An annotation that is a pipe fails its own image as well.
    /// </summary>
    internal static IEnumerable<HostileCase> SpecialFileCases()
    {
        // A list or a report past its size limit, or a device, once filled the memory (8 GB for a 3 GB list, then a .NET
        // message with no file name), or never ended (--list /dev/urandom).
        yield return new HostileCase("list-larger-than-256-mib-is-refused-before-it-is-read", s =>
        {
            using (var big = File.Create(s.Combine("big.txt"))) big.SetLength((256L << 20) + 1);   // sparse: no disk used
            return ["eval", "--cams", Fixture("irn"), "--gt", Fixture("gt"), "--list", s.Combine("big.txt"), "--threshold", "0.15", "--backend", "cpu"];
        })
        {
            Error = "^error: /.*/big\\.txt: holds more than 256 MiB: too large for an image list$", MaxPeakBytes = 200L << 20,
        };
        yield return new HostileCase("list-that-is-a-device-is-refused", _ =>
            ["eval", "--cams", Fixture("irn"), "--gt", Fixture("gt"), "--list", "/dev/urandom", "--threshold", "0.15", "--backend", "cpu"])
        {
            Error = "^error: /dev/urandom: is a device, not an image list$", MaxPeakBytes = 200L << 20, MaxTime = TimeSpan.FromSeconds(30),
        };
        yield return new HostileCase("merge-of-a-device-is-refused", _ => ["merge", "/dev/zero"])
        {
            Error = "^error: /dev/zero: holds no byte: ", MaxPeakBytes = 200L << 20, MaxTime = TimeSpan.FromSeconds(30),
        };
        yield return new HostileCase("merge-of-a-report-larger-than-1-gib-is-refused", s =>
        {
            using (var big = File.Create(s.Combine("big.json"))) big.SetLength((1L << 30) + 1);
            return ["merge", s.Combine("big.json")];
        })
        {
            Error = "^error: /.*/big\\.json: holds more than 1024 MiB: too large for a wsss report$", MaxPeakBytes = 200L << 20,
        };
        const string noByte = "holds no byte: an empty file, or not a regular file \\(a pipe or a device\\)$";
        yield return new HostileCase("dump-that-is-a-pipe-without-a-writer-fails-its-image", s =>
        {
            var (cams, file) = CamsWith(s, []);
            ReplaceWithPipe(file);
            return EvalCams(cams, Fixture("gt"), "--keep-going", "--json", s.Combine("r.json"));
        })
        {
            Error = $"^error: .*irn/{Regex.Escape(Ids[0])}\\.npy: {noByte}",
            Check = (s, _) => Assert.Equal(Ids.Length - 1, Json(s.Combine("r.json")).GetProperty("images").GetInt32()),
            MaxTime = TimeSpan.FromSeconds(30),
        };
        yield return new HostileCase("dump-linked-to-dev-zero-fails-its-image", s =>
        {
            var (cams, file) = CamsWith(s, []);
            File.Delete(file);
            File.CreateSymbolicLink(file, "/dev/zero");
            return EvalCams(cams, Fixture("gt"));
        })
        {
            Error = $"^error: .*irn/{Regex.Escape(Ids[0])}\\.npy: {noByte}",
            MaxTime = TimeSpan.FromSeconds(30),
        };
        yield return new HostileCase("ground-truth-that-is-a-folder-fails-its-image", s =>
        {
            string gt = s.CopyFixture("gt");
            File.Delete(Path.Combine(gt, Ids[0] + ".png"));
            Directory.CreateDirectory(Path.Combine(gt, Ids[0] + ".png"));
            return EvalCams(Fixture("irn"), gt);
        })
        {
            Error = $"^error: .*gt/{Regex.Escape(Ids[0])}\\.png: is a folder, not a file$",
        };
        yield return new HostileCase("annotation-that-is-a-pipe-fails-its-image", s =>
        {
            string ann = AnnotationsFromGroundTruth(s);
            ReplaceWithPipe(Path.Combine(ann, Ids[1] + ".xml"));
            return EvalCams(Fixture("irn"), Fixture("gt"), "--cls-labels", ann, "--keep-going", "--json", s.Combine("r.json"));
        })
        {
            Error = $"^error: .*Annotations/{Regex.Escape(Ids[1])}\\.xml: {noByte}",
            Check = (s, _) => Assert.Equal(Ids.Length - 1, Json(s.Combine("r.json")).GetProperty("images").GetInt32()),
            MaxTime = TimeSpan.FromSeconds(30),
        };
    }

    internal static IEnumerable<HostileCase> ReaderCases()
    {
        yield return new HostileCase("dump-with-a-dict-key-nested-20000-tuples-deep", s =>
        {
            var pickle = new List<byte> { 0x80, 2, (byte)'}', (byte)')' };
            pickle.AddRange(Enumerable.Repeat((byte)0x85, 20_000));
            pickle.AddRange([(byte)'K', 1, (byte)'s', (byte)'.']);
            var (cams, _) = CamsWith(s, ReaderAttackTests.ObjectNpy([.. pickle]));
            return EvalCams(cams, Fixture("gt"));
        })
        {
            Error = $"^error: .*{Regex.Escape(Ids[0])}\\.npy: malformed pickle: a dict key nests tuples deeper than 100 levels$",
        };
        yield return new HostileCase("dump-whose-npy-shape-nests-50000-parentheses", s =>
        {
            string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + new string('(', 50_000) + new string(')', 50_000) + ", }";
            var (cams, _) = CamsWith(s, ReaderAttackTests.Npy(dict, [], version: 2));
            return EvalCams(cams, Fixture("gt"));
        })
        {
            Error = $"^error: .*{Regex.Escape(Ids[0])}\\.npy: bad NPY header: 'shape' holds a nested tuple$",
        };
        yield return new HostileCase("dump-with-a-stride0-view-of-268M-elements", s =>
        {
            var (cams, _) = CamsWith(s, File.ReadAllBytes(IoFixtures.File("hostile/expand_cam.npy")));
            return EvalCams(cams, Fixture("gt"), "--keep-going");
        })
        {
            Error = $"^error: .*{Regex.Escape(Ids[0])}\\.npy: the file's arrays hold more than {NpyReadLimits.DefaultMaxElements} elements in all",
            MaxPeakBytes = 400L << 20,
        };
        yield return new HostileCase("dump-with-a-tensor-stride-that-overflows-64-bits", s =>
        {
            var (cams, _) = CamsWith(s, File.ReadAllBytes(IoFixtures.File("hostile/stride_overflow.npy")));
            return EvalCams(cams, Fixture("gt"), "--keep-going");
        })
        {
            Error = $"^error: .*{Regex.Escape(Ids[0])}\\.npy: malformed pickle: bad tensor stride",
        };
        yield return new HostileCase("gt-png-declaring-30000x30000", s =>
        {
            string gt = s.CopyFixture("gt");
            File.WriteAllBytes(Path.Combine(gt, Ids[0] + ".png"), ReaderAttackTests.PngDeclaring(30000, 30000, 3));
            return EvalCams(Fixture("irn"), gt, "--keep-going");
        })
        {
            Error = $"^error: .*{Regex.Escape(Ids[0])}\\.png: the image declares 30000x30000 pixels, more than the limit",
            MaxPeakBytes = 400L << 20,
        };
    }
}
