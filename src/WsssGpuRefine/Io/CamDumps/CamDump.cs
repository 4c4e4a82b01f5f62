using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.CamDumps;

/// <summary>The layouts of CAM dumps the seed methods write (jiwoon-ahn/irn step/make_cam.py, jiwoon-ahn/psa infer_cls.py, YudeWang/SEAM infer_SEAM.py).</summary>
public enum CamDumpFormat
{
    /// <summary>Variant A: IRN family dict, torch <c>keys</c> (0-based fg) and <c>cam</c>, numpy <c>high_res</c>.</summary>
    IrnDict,
    /// <summary>Variant B: Puzzle-CAM dict, numpy <c>keys</c> = [0, VOC ids...], <c>hr_cam</c> or <c>rw</c>.</summary>
    PuzzleCamDict,
    /// <summary>Variant C: VWE dict, like A but all numpy.</summary>
    VweDict,
    /// <summary>Variant D: PSA family dict {0-based fg class -> (H, W)}.</summary>
    PsaDict,
    /// <summary>Variant E: {0 -> background, c+1 -> fg class c}, each (H, W).</summary>
    BgFgDict,
    /// <summary>ICD's plain (C, m, m) float32 on the stride-8 grid of an 8(m-1)+1 canvas; classes from the image labels.</summary>
    IcdPlain,
    /// <summary>A plain (C+1, H, W) float32 array: background, then the present classes ascending (SSDD out_aff_crf).</summary>
    PlainWithBackground,
}

/// <summary>One image's CAMs as read from a dump.</summary>
public sealed class CamDump
{
    /// <summary>Pairs the maps read from one dump with the layout they were read in.</summary>
    /// <param name="highRes">Full-resolution maps (the image's size).</param>
    /// <param name="lowRes">The stride-4 maps, when the dump carries them; else null.</param>
    /// <param name="format">The layout the dump was recognised as.</param>
    public CamDump(ClassMaps highRes, ClassMaps? lowRes, CamDumpFormat format)
    {
        HighRes = highRes ?? throw new ArgumentNullException(nameof(highRes));
        LowRes = lowRes;
        Format = format;
    }

    /// <summary>Full-resolution maps; <see cref="ClassMaps.LabelIds"/> holds VOC ids (0 where a background channel is stored).</summary>
    public ClassMaps HighRes { get; }
    /// <summary>The stride-4 <c>cam</c> of variants A, B and C, where the dump carries one (IRN's random walk propagates it).</summary>
    public ClassMaps? LowRes { get; }
    /// <summary>The layout (variant A..E or a plain array) the dump was recognised as.</summary>
    public CamDumpFormat Format { get; }
    /// <summary>A short human name of the layout, e.g. "A (IRN dict)", for messages and reports.</summary>
    public string FormatName => NameOf(Format);

    /// <summary>A short human name of a layout, e.g. "A (IRN dict)" or "ICD plain array".</summary>
    public static string NameOf(CamDumpFormat format) => format switch
    {
        CamDumpFormat.IrnDict => "A (IRN dict)",
        CamDumpFormat.PuzzleCamDict => "B (Puzzle-CAM dict)",
        CamDumpFormat.VweDict => "C (VWE dict)",
        CamDumpFormat.PsaDict => "D (PSA dict)",
        CamDumpFormat.BgFgDict => "E (bg+fg dict)",
        CamDumpFormat.IcdPlain => "ICD plain array",
        CamDumpFormat.PlainWithBackground => "plain array with background",
        _ => format.ToString(),
    };
}

/// <summary>How a method's stored values differ from a plain [0, 1] CAM, and what the reader does about it.</summary>
public enum CamValueQuirk
{
    /// <summary>Values are used as stored (IRN max-norm, SEAM min-max incl. tiny negatives, CPN's halved [0, 0.5]).</summary>
    None,
    /// <summary>SC-CAM saved a {0, 255} mask by mistake: when the maximum exceeds 1 the values are divided by 255.</summary>
    BinaryMask255,
}

/// <summary>
/// A named <c>--format</c>: which layouts the method writes and which value quirk applies.
/// Use <see cref="Get"/> or <see cref="TryGet"/> with the CLI name.
/// </summary>
public sealed record CamFormatPreset(string Name, IReadOnlyList<CamDumpFormat> Formats, CamValueQuirk Quirk, string Note)
{
    /// <summary>Every preset, by CLI name.</summary>
    public static IReadOnlyList<CamFormatPreset> All { get; } =
    [
        new("irn", [CamDumpFormat.IrnDict], CamValueQuirk.None, "IRN make_cam: per-class max-norm in [0, 1)"),
        new("advcam", [CamDumpFormat.IrnDict], CamValueQuirk.None, "IRN layout"),
        new("bes", [CamDumpFormat.IrnDict], CamValueQuirk.None, "IRN layout"),
        new("conta", [CamDumpFormat.IrnDict], CamValueQuirk.None, "IRN layout"),
        new("rpnet", [CamDumpFormat.IrnDict], CamValueQuirk.None, "IRN layout"),
        new("cda", [CamDumpFormat.IrnDict], CamValueQuirk.None, "IRN layout (aug_step/make_cam.py)"),
        new("wsgcn", [CamDumpFormat.IrnDict, CamDumpFormat.BgFgDict], CamValueQuirk.None, "IRN/ dumps; GCN Logit/ outputs are bg+fg dicts"),
        new("puzzlecam", [CamDumpFormat.PuzzleCamDict], CamValueQuirk.None, "keys hold VOC ids with bg first; hr_cam or rw"),
        new("vwe", [CamDumpFormat.VweDict], CamValueQuirk.None, "all-numpy IRN-like dict"),
        new("psa", [CamDumpFormat.PsaDict], CamValueQuirk.None, "out_cam: max-norm (la/ha CRF outputs are bg+fg dicts: --format bg-fg)"),
        new("seam", [CamDumpFormat.PsaDict], CamValueQuirk.None, "min-max normalised; tiny negatives kept as stored (out_crf_* outputs: --format bg-fg)"),
        new("sccam", [CamDumpFormat.PsaDict], CamValueQuirk.BinaryMask255, "saved values are {0, 255}: read as a binary mask"),
        new("cpn", [CamDumpFormat.PsaDict], CamValueQuirk.None, "SEAM min-max halved to [0, 0.5]; thresholds apply to the halved values"),
        new("ssdd", [CamDumpFormat.PsaDict, CamDumpFormat.BgFgDict, CamDumpFormat.PlainWithBackground], CamValueQuirk.None,
            "out_cam dict, out_aff bg+fg dict (raw RW scores), out_aff_crf plain (C+1, H, W)"),
        new("icd", [CamDumpFormat.IcdPlain], CamValueQuirk.None, "raw signed scores on the stride-8 canvas; resized and cropped"),
        new("bg-fg", [CamDumpFormat.BgFgDict], CamValueQuirk.None, "{0: bg, c+1: fg c}"),
    ];

    /// <summary>Looks a preset up by its CLI name (case-insensitive); false when there is none.</summary>
    public static bool TryGet(string name, out CamFormatPreset preset)
    {
        preset = All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return preset is not null;
    }

    /// <summary>The preset of that name; ArgumentException listing the valid names otherwise.</summary>
    public static CamFormatPreset Get(string name) =>
        TryGet(name, out var p) ? p
            : throw new ArgumentException($"unknown CAM format '{name}'; expected one of {string.Join(", ", All.Select(x => x.Name))}", nameof(name));
}
