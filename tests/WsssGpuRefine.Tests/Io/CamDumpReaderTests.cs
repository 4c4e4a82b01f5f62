using System.Text.Json;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.CamDumps;

namespace WsssGpuRefine.Tests.Io;

public class CamDumpReaderTests
{
    // make_fixtures.py: fg classes 2, 7, 14 present (VOC ids 3, 8, 15).
    private static readonly IReadOnlySet<int> Present = new HashSet<int> { 2, 7, 14 };

    public static IEnumerable<object[]> DictDumps =>
        IoFixtures.Names("dumps").Where(n => IoFixtures.Section("dumps").GetProperty((string)n[0]).GetProperty("format").GetString() != "plain");

    private static CamDumpFormat FormatOf(string letter) => letter switch
    {
        "A" => CamDumpFormat.IrnDict,
        "B" => CamDumpFormat.PuzzleCamDict,
        "C" => CamDumpFormat.VweDict,
        "D" => CamDumpFormat.PsaDict,
        "E" => CamDumpFormat.BgFgDict,
        _ => CamDumpFormat.PlainWithBackground,
    };

    private static HashSet<int> PresentFor(JsonElement e) =>
        IoFixtures.Ints(e.GetProperty("labelIds")).Where(id => id > 0).Select(id => id - 1).ToHashSet();

    [Theory]
    [MemberData(nameof(DictDumps))]
    public void Every_dict_variant_is_detected_and_decoded_exactly(string name)
    {
        var e = IoFixtures.Section("dumps").GetProperty(name);

        var dump = CamDumpReader.Read(IoFixtures.File($"dumps/{name}.npy"),
            new CamReadOptions { PresentForegroundClasses = PresentFor(e) });

        Assert.Equal(FormatOf(e.GetProperty("format").GetString()!), dump.Format);
        Assert.Equal(IoFixtures.Ints(e.GetProperty("labelIds")), dump.HighRes.LabelIds);
        Assert.Equal(e.GetProperty("height").GetInt32(), dump.HighRes.Height);
        Assert.Equal(e.GetProperty("width").GetInt32(), dump.HighRes.Width);
        Assert.Equal(IoFixtures.Floats(e.GetProperty("high")), dump.HighRes.Data);
        if (e.TryGetProperty("low", out var low))
        {
            Assert.NotNull(dump.LowRes);
            Assert.Equal(e.GetProperty("lowHeight").GetInt32(), dump.LowRes!.Height);
            Assert.Equal(e.GetProperty("lowWidth").GetInt32(), dump.LowRes.Width);
            Assert.Equal(IoFixtures.Floats(low), dump.LowRes.Data);
            Assert.Equal(dump.HighRes.LabelIds.Where(id => id != 0), dump.LowRes.LabelIds);
        }
        else
        {
            Assert.Null(dump.LowRes);
        }
    }

    [Theory]
    [InlineData("a_irn", CamDumpFormat.IrnDict)]
    [InlineData("a_strided_p4", CamDumpFormat.IrnDict)]
    [InlineData("b_puzzle", CamDumpFormat.PuzzleCamDict)]
    [InlineData("b_puzzle_rw", CamDumpFormat.PuzzleCamDict)]
    [InlineData("c_vwe", CamDumpFormat.VweDict)]
    [InlineData("c_vwe_numpy2", CamDumpFormat.VweDict)]
    public void String_keyed_dicts_are_detected_without_image_labels(string name, CamDumpFormat format)
    {
        var dump = CamDumpReader.Read(IoFixtures.File($"dumps/{name}.npy"));
        Assert.Equal(format, dump.Format);
        Assert.Equal(new[] { 3, 8, 15 }, dump.HighRes.LabelIds.Where(id => id != 0));
    }

    [Fact]
    public void Integer_keyed_dict_needs_the_image_labels_to_tell_D_from_E()
    {
        // Keys {0, 4} without image-level labels: a PSA dict of classes 0 and 4, or bg + class 3.
        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("dumps/d_zero_class.npy")));
        Assert.Contains("cannot be told which", e.Reason);
        Assert.Contains("--cls-labels", e.Reason);
        // A dict without key 0 can only be a PSA dict.
        Assert.Equal(CamDumpFormat.PsaDict, CamDumpReader.Read(IoFixtures.File("dumps/d_psa.npy")).Format);

        // {0, 4} with fg classes {0, 4} present is a PSA dict (aeroplane = key 0) ...
        var d = CamDumpReader.Read(IoFixtures.File("dumps/d_zero_class.npy"),
            new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 0, 4 } });
        Assert.Equal(CamDumpFormat.PsaDict, d.Format);
        Assert.Equal(new[] { 1, 5 }, d.HighRes.LabelIds);
        // ... and the same keys are a bg+fg dict when only class 3 is present.
        var bgfg = CamDumpReader.Read(IoFixtures.File("dumps/d_zero_class.npy"),
            new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 3 } });
        Assert.Equal(CamDumpFormat.BgFgDict, bgfg.Format);
        Assert.Equal(new[] { 0, 4 }, bgfg.HighRes.LabelIds);
        Assert.True(bgfg.HighRes.HasBackgroundChannel);

        var neither = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("dumps/d_zero_class.npy"),
            new CamReadOptions { PresentForegroundClasses = new HashSet<int> { 1 } }));
        Assert.Contains("match neither", neither.Reason);
    }

    [Fact]
    public void A_preset_names_the_variant_when_no_labels_are_given()
    {
        var psa = CamDumpReader.Read(IoFixtures.File("dumps/d_psa.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("sccam") });
        Assert.Equal(CamDumpFormat.PsaDict, psa.Format);
        var e = CamDumpReader.Read(IoFixtures.File("dumps/e_bgfg.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("bg-fg") });
        Assert.Equal(new[] { 0, 3, 8, 15 }, e.HighRes.LabelIds);
    }

    [Fact]
    public void A_preset_refuses_a_dump_of_another_family()
    {
        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("dumps/b_puzzle.npy"),
            new CamReadOptions { Preset = CamFormatPreset.Get("irn") }));
        Assert.Contains("B (Puzzle-CAM dict)", e.Reason);
        Assert.Contains("'irn'", e.Reason);
        // A and C differ only in torch versus numpy containers: VWE's dict is accepted under "irn".
        var c = CamDumpReader.Read(IoFixtures.File("dumps/c_vwe.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("irn") });
        Assert.Equal(CamDumpFormat.VweDict, c.Format);
    }

    [Fact]
    public void Sccam_preset_turns_the_0_255_mask_into_0_1()
    {
        var e = IoFixtures.Section("dumps").GetProperty("d_sccam");
        var raw = CamDumpReader.Read(IoFixtures.File("dumps/d_sccam.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("psa"), PresentForegroundClasses = Present });
        Assert.Equal(255f, raw.HighRes.Data.Max());
        var mask = CamDumpReader.Read(IoFixtures.File("dumps/d_sccam.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("sccam") });
        Assert.Equal(IoFixtures.Floats(e.GetProperty("binary")), mask.HighRes.Data);
        // Already in [0, 1]: the quirk leaves normal CAMs alone.
        var normal = CamDumpReader.Read(IoFixtures.File("dumps/d_psa.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("sccam") });
        Assert.Equal(IoFixtures.Floats(IoFixtures.Section("dumps").GetProperty("d_psa").GetProperty("high")), normal.HighRes.Data);
    }

    [Fact]
    public void Seam_and_cpn_values_are_kept_as_stored()
    {
        var seam = CamDumpReader.Read(IoFixtures.File("dumps/d_seam.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("seam"), PresentForegroundClasses = Present });
        Assert.Equal(-1e-6f, seam.HighRes.Data[0]);
        Assert.Equal(IoFixtures.Floats(IoFixtures.Section("dumps").GetProperty("d_seam").GetProperty("high")), seam.HighRes.Data);
        var cpn = CamDumpReader.Read(IoFixtures.File("dumps/d_seam.npy"), new CamReadOptions { Preset = CamFormatPreset.Get("cpn"), PresentForegroundClasses = Present });
        Assert.Equal(seam.HighRes.Data, cpn.HighRes.Data);
    }

    [Fact]
    public void Nan_in_a_cam_is_refused()
    {
        string path = IoFixtures.File("dumps/nan_vwe.npy");
        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(path));
        Assert.Equal("CAM contains NaN", e.Reason);
        Assert.Equal(path, e.File);
    }

    [Fact]
    public void Keys_and_channels_must_agree()
    {
        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("dumps/mismatch_vwe.npy")));
        Assert.Equal("'high_res' has 3 channels but 'keys' lists 2 classes", e.Reason);
    }

    [Fact]
    public void Plain_rank_2_array_is_refused()
    {
        var e = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("bad/rank2_plain.npy"),
            new CamReadOptions { Preset = CamFormatPreset.Get("icd") }));
        Assert.Contains("must be (C, H, W)", e.Reason);
    }

    [Fact]
    public void Icd_scores_are_resized_to_the_canvas_like_cv2_and_cropped()
    {
        var e = IoFixtures.Section("icd");
        var ids = IoFixtures.Ints(e.GetProperty("labelIds"));
        var options = new CamReadOptions
        {
            Preset = CamFormatPreset.Get("icd"),
            PresentForegroundClasses = ids.Select(i => i - 1).ToHashSet(),
            ImageHeight = e.GetProperty("height").GetInt32(),
            ImageWidth = e.GetProperty("width").GetInt32(),
        };
        var dump = CamDumpReader.Read(IoFixtures.File("dumps/icd_scores.npy"), options);

        Assert.Equal(CamDumpFormat.IcdPlain, dump.Format);
        Assert.Equal(33, IcdCanvas.CanvasSize(5));
        Assert.Equal(513, IcdCanvas.CanvasSize(65));
        Assert.Equal(ids, dump.HighRes.LabelIds);
        Assert.Equal(options.ImageHeight, dump.HighRes.Height);
        Assert.Equal(options.ImageWidth, dump.HighRes.Width);
        Assert.Equal(IoFixtures.Floats(e.GetProperty("values")), dump.HighRes.Data);

        var tooBig = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("dumps/icd_scores.npy"),
            options with { ImageHeight = 40 }));
        Assert.Contains("larger than ICD's 33x33 canvas", tooBig.Reason);
    }

    [Fact]
    public void Ssdd_plain_array_gets_background_then_present_classes()
    {
        var e = IoFixtures.Section("dumps").GetProperty("ssdd_aff_crf");
        var dump = CamDumpReader.Read(IoFixtures.File("dumps/ssdd_aff_crf.npy"), new CamReadOptions { PresentForegroundClasses = Present });
        Assert.Equal(CamDumpFormat.PlainWithBackground, dump.Format);
        Assert.Equal(new[] { 0, 3, 8, 15 }, dump.HighRes.LabelIds);
        Assert.Equal(IoFixtures.Floats(e.GetProperty("high")), dump.HighRes.Data);

        var noLabels = Assert.Throws<WsssInputException>(() => CamDumpReader.Read(IoFixtures.File("dumps/ssdd_aff_crf.npy"),
            new CamReadOptions { Preset = CamFormatPreset.Get("ssdd") }));
        Assert.Contains("image-level labels are needed", noLabels.Reason);
    }

    [Fact]
    public void Unknown_preset_name_lists_the_valid_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => CamFormatPreset.Get("nope"));
        Assert.Contains("irn", e.Message);
        Assert.Contains("bg-fg", e.Message);
        Assert.Equal(16, CamFormatPreset.All.Count);
    }
}
