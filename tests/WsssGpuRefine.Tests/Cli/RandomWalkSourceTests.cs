using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
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
