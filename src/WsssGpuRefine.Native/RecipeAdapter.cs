using System.Buffers.Binary;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Recipes;

namespace WsssGpuRefine.Native;

/// <summary>
/// The one place the C ABI reaches the library's per-image recipes (ir_label, la/ha, score stacks, the random walk
/// and the CRF after it). They are composed here exactly as <c>Recipes/</c> composes them for <c>wsss refine</c>,
/// so the Python package's labels are the CLI's; when the recipes move or are renamed, only this file changes.
/// </summary>
internal static class RecipeAdapter
{
    /// <summary><c>--ir-label FG,BG --crf PRESET</c> (IrLabelRecipe with the CRF swapped in).</summary>
    public static LabelMap IrLabel(ComputeBackend backend, RgbImage image, ClassMaps cams, float fg, float bg, CrfParameters? crf)
    {
        var options = new IrLabelOptions { FgThreshold = fg, BgThreshold = bg };
        if (crf is not null) options = options with { Crf = crf };
        return IrLabelRecipe.Run(backend, image, cams.ForegroundOnly(), options);
    }

    /// <summary><c>--la-ha LOW,HIGH --crf PRESET</c>: PSA's la/ha labels.</summary>
    public static LabelMap LaHa(ComputeBackend backend, RgbImage image, ClassMaps cams, float low, float high, CrfParameters? crf)
    {
        var options = new PsaLaHaOptions { AlphaLow = low, AlphaHigh = high };
        if (crf is not null) options = options with { Crf = crf };
        return PsaLaHaRecipe.Run(backend, image, cams.ForegroundOnly(), options).Labels;
    }

    /// <summary>The [background; maps] stack a CRF consumes, as <c>wsss refine --threshold/--bg-power</c> builds it.</summary>
    public static ClassMaps Scores(PseudoLabeler labeler, ClassMaps cams, BackgroundRule rule) => rule switch
    {
        BackgroundRule.Constant c => labeler.Scores(cams, c.Threshold),
        BackgroundRule.Power p => labeler.PowerScores(cams, p.Alpha),
        _ => throw new ArgumentException("unknown background rule"),
    };

    /// <summary>A CRF of score maps (background channel included) with a preset or <c>--crf-params</c> text.</summary>
    public static LabelMap Crf(ComputeBackend backend, RgbImage image, ClassMaps scores, CrfParameters crf) =>
        DenseCrf.Refine(backend, image, scores, crf).ToLabelMap(scores.LabelIds);

    /// <summary>A CRF of a label map (VOC ids, <paramref name="classes"/> labels) with the labels or ICD seed unary.</summary>
    public static LabelMap CrfOfLabels(ComputeBackend backend, RgbImage image, LabelMap labels, CrfParameters crf, int classes) =>
        DenseCrf.RefineSeeds(backend, image, labels, crf, classes).LabelIndexMap();

    /// <summary>
    /// IRN's random walk of stride-grid CAMs; the scores come back as Recipes/RandomWalkStep hands them to the CRF: the constant
    /// background threshold prepended (label id 0), then the walked foreground maps.
    /// </summary>
    public static (LabelMap Labels, ClassMaps Scores) RandomWalk(ComputeBackend backend, ClassMaps grid, RandomWalkAffinity affinity,
        int height, int width, RandomWalkOptions options)
    {
        var result = RandomWalker.RefineIrn(grid, affinity, height, width, options, backend);
        var withBackground = ScoreLabels.Stack(result.Scores.ForegroundOnly(), new BackgroundRule.Constant(options.BackgroundThreshold));
        return (result.Labels, withBackground);
    }

    /// <summary>Parses a preset name (or method alias) or a <c>--crf-params</c> string.</summary>
    public static CrfParameters ParseCrf(string text) =>
        text.Contains('=') ? CrfParameters.Parse(text) : CrfParameters.Preset(text);

    /// <summary>
    /// Writes a label PNG: "palette" is <c>LabelPngWriter</c>'s VOC-palette PNG (<c>wsss refine</c>'s output);
    /// "gray" is the same image data as an 8-bit greyscale PNG (the <c>SegmentationClassAug</c> convention): the
    /// palette PNG with its colour type set to greyscale and its PLTE chunk dropped.
    /// </summary>
    public static void WriteLabels(string path, LabelMap labels, string png)
    {
        bool gray = png switch
        {
            "gray" or "grey" => true,
            "palette" => false,
            _ => throw new ArgumentException($"png must be 'gray' or 'palette', not '{png}'"),
        };
        using var buffer = new MemoryStream();
        LabelPngWriter.Write(buffer, labels);
        byte[] bytes = buffer.ToArray();
        if (gray) bytes = ToGray(bytes);
        string tmp = path + ".tmp" + Environment.ProcessId;
        try
        {
            File.WriteAllBytes(tmp, bytes);
        }
        catch (DirectoryNotFoundException)
        {
            // The message would name the temporary file; the caller knows only its own path.
            throw new DirectoryNotFoundException($"{path}: the folder {Path.GetDirectoryName(Path.GetFullPath(path))} does not exist");
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static byte[] ToGray(byte[] palettePng)
    {
        using var output = new MemoryStream(palettePng.Length);
        output.Write(palettePng, 0, 8);
        for (int at = 8; at < palettePng.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(palettePng.AsSpan(at));
            var type = palettePng.AsSpan(at + 4, 4);
            var chunk = palettePng.AsSpan(at, 12 + length);
            at += 12 + length;
            if (type.SequenceEqual("PLTE"u8)) continue;
            if (type.SequenceEqual("IHDR"u8))
            {
                byte[] header = chunk.ToArray();
                header[8 + 9] = 0;   // colour type 0: greyscale
                uint crc = Crc32.Update(0xffffffffu, header.AsSpan(4, 4 + length)) ^ 0xffffffffu;
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8 + length), crc);
                output.Write(header);
                continue;
            }
            output.Write(chunk);
        }
        return output.ToArray();
    }
}
