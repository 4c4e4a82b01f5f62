using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Tests.Cli;
using WsssGpuRefine.Tests.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Io;

/// <summary>The numpy-loadable dict writer, checked by numpy itself and by our own reader.</summary>
public sealed class NpyDictWriterTests
{
    [Fact]
    public void Numpy_loads_int_and_str_keyed_dicts_back_identical()
    {
        using var temp = new TempDirectory();
        string intKeyed = temp.Combine("bgfg.npy"), strKeyed = temp.Combine("puzzle.npy");
        float[] values = Enumerable.Range(0, 300 * 2).Select(i => i * 0.25f - 7f).ToArray();   // > 255 bytes: BINBYTES
        using (var f = File.Create(intKeyed))
            NpyDictWriter.Write(f, new KeyValuePair<int, NpyDictWriter.Array>[]
            {
                new(0, NpyDictWriter.Array.Float32(values[..6], 2, 3)),
                new(15, NpyDictWriter.Array.Float32(values[6..12], 2, 3)),
                new(300, NpyDictWriter.Array.Float32(values, 20, 30)),
            });
        using (var f = File.Create(strKeyed))
            NpyDictWriter.Write(f, new KeyValuePair<string, NpyDictWriter.Array>[]
            {
                new("keys", NpyDictWriter.Array.Int64([0, 5, 20], 3)),
                new("rw", NpyDictWriter.Array.Float32(values[..12], 2, 2, 3)),
            });
        string output = PythonProcess.RunCode(
            "import sys, numpy as np\n" +
            "v = np.arange(600, dtype=np.float32) * 0.25 - 7\n" +
            "d = np.load(sys.argv[1], allow_pickle=True).item()\n" +
            "assert list(d) == [0, 15, 300] and all(type(k) is int for k in d), list(d)\n" +
            "assert d[0].dtype == np.float32 and d[0].shape == (2, 3) and (d[0] == v[:6].reshape(2, 3)).all()\n" +
            "assert (d[15] == v[6:12].reshape(2, 3)).all() and (d[300] == v.reshape(20, 30)).all()\n" +
            "p = np.load(sys.argv[2], allow_pickle=True).item()\n" +
            "assert list(p) == ['keys', 'rw'] and p['keys'].dtype == np.int64 and list(p['keys']) == [0, 5, 20]\n" +
            "assert p['rw'].shape == (2, 2, 3) and (p['rw'] == v[:12].reshape(2, 2, 3)).all()\n" +
            "print('ok')\n",
            intKeyed, strKeyed);
        Assert.Equal("ok", output.Trim());

        // Our own safe reader loads the same dict.
        var dict = Assert.IsType<WsssGpuRefine.Io.Pickle.PyDict>(NpyReader.Read(intKeyed).Objects![0]);
        Assert.Equal(new object[] { 0L, 15L, 300L }, dict.Keys);
        Assert.Equal(values, ((NpyArray)dict[300L]!).ToFloat32());
    }
}

/// <summary>Integer-keyed dict detection on real datasets (classes labelled but absent from the ground truth).</summary>
public sealed class IntKeyedDetectionTests
{
    private static NpyArray Dict(params int[] keys)
    {
        using var ms = new MemoryStream();
        NpyDictWriter.Write(ms, keys.Select(k => new KeyValuePair<int, NpyDictWriter.Array>(k, NpyDictWriter.Array.Float32(new float[4], 2, 2))));
        ms.Position = 0;
        return NpyReader.Read(ms);
    }

    [Fact]
    public void A_dict_without_key_0_is_a_psa_dict_whatever_the_ground_truth_shows()
    {
        var dump = CamDumpReader.Interpret(Dict(11, 14), new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 14 }, PresentClassesExact = false });
        Assert.Equal(CamDumpFormat.PsaDict, dump.Format);
        Assert.Equal(new[] { 12, 15 }, dump.HighRes.LabelIds);
    }

    [Fact]
    public void A_dict_with_key_20_is_a_bg_fg_dict()
    {
        var dump = CamDumpReader.Interpret(Dict(0, 20), new CamReadOptions());
        Assert.Equal(CamDumpFormat.BgFgDict, dump.Format);
    }

    [Fact]
    public void Ground_truth_classes_need_only_be_covered_and_a_real_ambiguity_names_cls_labels()
    {
        // GT shows class 0 only; keys {0, 6}: a PSA dict of {0, 6} (6 occluded) fits, a bg+fg dict would need key 1.
        var d = CamDumpReader.Interpret(Dict(0, 6), new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 0 }, PresentClassesExact = false });
        Assert.Equal(CamDumpFormat.PsaDict, d.Format);
        // GT shows classes 0 and 1; keys {0, 1, 2}: PSA {0, 1, 2} or bg + {0, 1} both fit.
        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Interpret(Dict(0, 1, 2),
            new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 0, 1 }, PresentClassesExact = false }));
        Assert.Contains("--cls-labels", e.Message);
        // With the image-level labels it is exact.
        var exact = CamDumpReader.Interpret(Dict(0, 1, 2), new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 0, 1 } });
        Assert.Equal(CamDumpFormat.BgFgDict, exact.Format);
    }
}

/// <summary>VOC Annotations/ folders as image-level labels.</summary>
public sealed class AnnotationLabelsTests
{
    [Fact]
    public void Difficult_objects_count_for_irn_and_psa_but_not_for_icd()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("2007_000001.xml"),
            "<annotation><object><name>dog</name><difficult>0</difficult></object><object><name>cat</name><difficult>1</difficult></object>" +
            "<object><name>dog</name><difficult>1</difficult></object><object><name>head</name></object></annotation>");
        var all = ClassLabels.Read(temp.Path, countDifficult: true);
        var icd = ClassLabels.Read(temp.Path, countDifficult: false);
        Assert.Equal(new[] { 7, 11 }, all.PresentFor("2007_000001"));
        Assert.Equal(new[] { 11 }, icd.PresentFor("2007_000001"));
    }

    /// <summary>ICD falls back to the difficult objects of an image that has no other (js-fan/ICD core/utils/dataset_tools.py:48-49).</summary>
    [Fact]
    public void An_image_of_difficult_objects_only_keeps_them_for_icd()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("2007_000003.xml"),
            "<annotation><object><name>sheep</name><difficult>1</difficult></object><object><name>bird</name><difficult>1</difficult></object>" +
            "<object><name>sheep</name><difficult>1</difficult></object></annotation>");
        Assert.Equal(new[] { 2, 16 }, ClassLabels.Read(temp.Path, countDifficult: false).PresentFor("2007_000003"));
    }

    [Fact]
    public void A_broken_annotation_fails_its_own_image_named()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("2007_000002.xml"), "<annotation><object>");
        File.WriteAllText(temp.Combine("2007_000003.xml"), "<annotation><object><name>dog</name></object></annotation>");
        var labels = ClassLabels.Read(temp.Path);
        // The broken file fails its own image, named; the other image keeps its label.
        Assert.EndsWith("2007_000002.xml", labels.Unreadable["2007_000002"].File);
        Assert.False(labels.TryGetPresent("2007_000002", out _));
        Assert.Equal(new[] { 11 }, labels.PresentFor("2007_000003"));
    }
}

/// <summary>The seam metric's predicted-255 rule, hand-worked, and identical on the CPU and on Vulkan.</summary>
public sealed class SeamIgnoreCountingTests(VulkanFixture fixture) : IClassFixture<VulkanFixture>
{
    private static readonly LabelPair Pair = new(
        new LabelMap(1, 6, [1, 255, 255, 0, 255, 1]),
        new LabelMap(1, 6, [1, 1, 0, 0, 255, 0]));

    [Fact]
    public void A_predicted_255_counts_in_its_ground_truth_row_only()
    {
        var m = ConfusionCounting.Count(Pair.Predicted, Pair.GroundTruth, new ConfusionOptions(2, SegmentationMetrics.PredictedIgnoreFor(SegmentationMetric.Seam)));
        // T0 = 3 (one predicted 255), P0 = 1, TP0 = 1; T1 = 2 (one predicted 255), P1 = 2, TP1 = 1.
        Assert.Equal(new long[] { 1, 1, 0, 1 }, m.Counts);
        Assert.Equal(new long[] { 1, 1 }, m.IgnoredPredictions);
        var r = SegmentationMetrics.Compute(m, SegmentationMetric.Seam);
        Assert.Equal(1.0 / (3 + 1 - 1 + 1e-10), r.Iou[0]!.Value, 12);
        Assert.Equal(1.0 / (2 + 2 - 1 + 1e-10), r.Iou[1]!.Value, 12);
    }

    [VulkanFact]
    public void Vulkan_counts_the_same_matrix_and_row_totals()
    {
        var rng = new Random(5);
        var pairs = Enumerable.Range(0, 4).Select(_ =>
        {
            var p = new byte[37 * 41];
            var g = new byte[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                p[i] = rng.Next(6) == 0 ? (byte)255 : (byte)rng.Next(21);
                g[i] = rng.Next(9) == 0 ? (byte)255 : (byte)rng.Next(21);
            }
            return new LabelPair(new LabelMap(37, 41, p), new LabelMap(37, 41, g));
        }).ToList();
        var options = new ConfusionOptions(21, PredictedIgnore.GroundTruthRowOnly);
        var cpu = ConfusionCounting.Count(new global::WsssGpuRefine.Backends.CpuBackend(2), pairs, options);
        var gpu = ConfusionCounting.Count(fixture.Backend, pairs, options);
        Assert.Equal(cpu.Counts, gpu.Counts);
        Assert.Equal(cpu.IgnoredPredictions, gpu.IgnoredPredictions);
        Assert.True(cpu.IgnoredPredictions.Sum() > 0);
    }
}
