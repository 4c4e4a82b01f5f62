using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>The <c>--rw boundary:DIR</c> sources as files: IRN's .npy maps and BES's _edge.png.</summary>
public class RandomWalkSourceTests
{
    private static readonly IReadOnlyList<SyntheticItem> Items =
        SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 6 });

    /// <summary>A boundary map at stride 4 from the ground truth's class edges (what a trained BENet/IRN predicts).</summary>
    private static float[] Boundary(LabelMap gt, out int h, out int w)
    {
        h = (gt.Height + 3) / 4;
        w = (gt.Width + 3) / 4;
        var b = new float[h * w];
        for (int y = 0; y < gt.Height; y++)
        for (int x = 0; x < gt.Width; x++)
        {
            byte v = gt.Labels[y * gt.Width + x];
            bool edge = v == 255 || (x + 1 < gt.Width && gt.Labels[y * gt.Width + x + 1] != v) || (y + 1 < gt.Height && gt.Labels[(y + 1) * gt.Width + x] != v);
            if (edge) b[y / 4 * w + x / 4] = 1f;
        }
        return b;
    }

    private static RefineOptions Options(SyntheticSampleLayout layout, string source, string output) => new()
    {
        Ids = Items.Select(i => i.Id).ToArray(), CamsDirectory = layout.IrnCams, ImagesDirectory = layout.Images,
        OutputDirectory = output, RandomWalkSource = AffinitySource.Parse(source), GroundTruthDirectory = layout.GroundTruth,
    };

    [Fact]
    public void Boundary_maps_as_npy_and_as_bes_edge_png_propagate_cams_within_objects()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), Items);
        string npyDir = tmp.Combine("boundary_npy"), pngDir = tmp.Combine("boundary_png");
        Directory.CreateDirectory(npyDir);
        Directory.CreateDirectory(pngDir);
        foreach (var item in Items)
        {
            var b = Boundary(item.GroundTruth, out int h, out int w);
            using (var f = File.Create(Path.Combine(npyDir, item.Id + ".npy"))) NpyWriter.WriteFloat32(f, b, h, w);
            LabelPngWriter.Write(Path.Combine(pngDir, item.Id + "_edge.png"), new LabelMap(h, w, b.Select(v => (byte)(255 * v)).ToArray()));
        }
        var cam = EvalJob.Run(CpuBackend.Shared, new EvalOptions
        {
            GroundTruthDirectory = layout.GroundTruth, Ids = Items.Select(i => i.Id).ToArray(), CamsDirectory = layout.IrnCams,
            Rule = new BackgroundRule.Constant(0.15),
        }).MeanIou;
        var fromNpy = RefineJob.Run(CpuBackend.Shared, Options(layout, "boundary:" + npyDir, tmp.Combine("out_npy")));
        var fromPng = RefineJob.Run(CpuBackend.Shared, Options(layout, "boundary:" + pngDir, tmp.Combine("out_png")));
        Assert.Empty(fromNpy.Failures);
        Assert.True(fromNpy.Score!.MeanIou > cam + 0.05, $"random walk {fromNpy.Score.MeanIou} vs CAM {cam}");
        // B = 255*v/255 exactly for v in {0, 1}: the two files describe the same map.
        Assert.Equal(fromNpy.Score.Confusion, fromPng.Score!.Confusion);
    }

    /// <summary>
    /// BES's layout (mt-cly/BES step/make_sem_seg.py:52-60): the walk's labels as ID.png, the CRF's as ID_crf.png, each
    /// byte-equal to the run that writes only that one; the score is the walk's (what BES's eval_sem_seg.py reads), and a
    /// missing ID_crf.png makes its item incomplete on resume.
    /// </summary>
    [Fact]
    public void A_crf_label_suffix_writes_the_walk_as_ID_png_and_the_crf_beside_it()
    {
        using var tmp = new TempDirectory();
        var items = Items.Take(3).ToArray();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), items);
        string edges = tmp.Combine("edges");
        Directory.CreateDirectory(edges);
        foreach (var item in items)
        {
            var b = Boundary(item.GroundTruth, out int h, out int w);
            using var f = File.Create(Path.Combine(edges, item.Id + ".npy"));
            NpyWriter.WriteFloat32(f, b, h, w);
        }
        var crf = CrfParameters.Preset("bes");
        RefineOptions Run(string output, CrfParameters? withCrf, string? suffix) =>
            Options(layout, "boundary:" + edges, output) with { Ids = items.Select(i => i.Id).ToArray(), Crf = withCrf, CrfLabelSuffix = suffix };
        var both = RefineJob.Run(CpuBackend.Shared, Run(tmp.Combine("both"), crf, "_crf"));
        var walk = RefineJob.Run(CpuBackend.Shared, Run(tmp.Combine("walk"), null, null));
        RefineJob.Run(CpuBackend.Shared, Run(tmp.Combine("crf"), crf, null));
        foreach (var item in items)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Combine("walk"), item.Id + ".png")), File.ReadAllBytes(Path.Combine(tmp.Combine("both"), item.Id + ".png")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Combine("crf"), item.Id + ".png")), File.ReadAllBytes(Path.Combine(tmp.Combine("both"), item.Id + "_crf.png")));
        }
        // The two files differ somewhere, so the equalities above tell them apart.
        Assert.Contains(items, item => !File.ReadAllBytes(Path.Combine(tmp.Combine("both"), item.Id + ".png"))
            .SequenceEqual(File.ReadAllBytes(Path.Combine(tmp.Combine("both"), item.Id + "_crf.png"))));
        Assert.Equal(walk.Score!.Confusion, both.Score!.Confusion);

        File.Delete(Path.Combine(tmp.Combine("both"), items[1].Id + "_crf.png"));
        var resumed = RefineJob.Run(CpuBackend.Shared, Run(tmp.Combine("both"), crf, "_crf"));
        Assert.Equal((1, 2), (resumed.Written, resumed.Skipped));
        Assert.True(File.Exists(Path.Combine(tmp.Combine("both"), items[1].Id + "_crf.png")));
        Assert.Equal(walk.Score.Confusion, resumed.Score!.Confusion);

        // --overwrite with the CRF's labels as ID.png and no suffix: the replaced recipe's ID_crf.png files go (they would
        // stay beside labels of another recipe), a file of that name that no journal lists stays.
        string foreign = Path.Combine(tmp.Combine("both"), "not-an-id_crf.png");
        File.WriteAllBytes(foreign, [1, 2, 3]);
        var messages = new List<string>();
        RefineJob.Run(CpuBackend.Shared, Run(tmp.Combine("both"), crf, null) with { Overwrite = true }, info: messages.Add);
        foreach (var item in items)
        {
            Assert.False(File.Exists(Path.Combine(tmp.Combine("both"), item.Id + "_crf.png")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Combine("crf"), item.Id + ".png")), File.ReadAllBytes(Path.Combine(tmp.Combine("both"), item.Id + ".png")));
        }
        Assert.True(File.Exists(foreign));
        Assert.Contains(messages, m => m.Contains($"removed the replaced recipe's {items.Length} ID_crf.png file(s)", StringComparison.Ordinal));

        // Back to the suffix: the replaced recipe wrote no such files, so nothing is removed and both are written again.
        messages.Clear();
        RefineJob.Run(CpuBackend.Shared, Run(tmp.Combine("both"), crf, "_crf") with { Overwrite = true }, info: messages.Add);
        Assert.DoesNotContain(messages, m => m.Contains("removed the replaced", StringComparison.Ordinal));
        foreach (var item in items)
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Combine("crf"), item.Id + ".png")), File.ReadAllBytes(Path.Combine(tmp.Combine("both"), item.Id + "_crf.png")));
    }

    [Fact]
    public void A_crf_label_suffix_needs_a_crf_and_ids_it_cannot_clash_with()
    {
        var noCrf = new RefineOptions { Ids = ["a"], CamsDirectory = "c", OutputDirectory = "o", Rule = new BackgroundRule.Constant(0.2), CrfLabelSuffix = "_crf" };
        Assert.Equal(RecipeProblem.LabelsBeforeCrf, Assert.Throws<RecipeOptionsException>(() => noCrf.Validate()).Problem);
        var clash = noCrf with { Ids = ["a", "a_crf"], Crf = CrfParameters.Preset("bes"), ImagesDirectory = "i" };
        Assert.Contains("a_crf", Assert.Throws<ArgumentException>(() => clash.Validate()).Message);
        Assert.NotNull((clash with { Ids = ["a", "b"] }).Validate());
        foreach (string bad in new[] { "", "/x", "../x", "a b", ".", new string('x', 33) })
            Assert.Throws<ArgumentException>(() => noCrf with { CrfLabelSuffix = bad });
    }

    [Fact]
    public void A_boundary_map_of_the_wrong_size_names_its_file()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"), Items.Take(1).ToArray());
        string dir = tmp.Combine("b");
        Directory.CreateDirectory(dir);
        using (var f = File.Create(Path.Combine(dir, Items[0].Id + ".npy"))) NpyWriter.WriteFloat32(f, new float[12], 3, 4);
        var options = Options(layout, "boundary:" + dir, tmp.Combine("out")) with { Ids = [Items[0].Id], KeepGoing = true };
        var report = RefineJob.Run(CpuBackend.Shared, options);
        var failure = Assert.Single(report.Failures);
        Assert.EndsWith(Items[0].Id + ".npy", failure.File);
        Assert.Contains(dir, failure.File);
    }
}
