using System.Globalization;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Methods;

namespace WsssGpuRefine.Recipes;

/// <summary>Thresholds and CRF of IRN's confident-region label (jiwoon-ahn/irn step/cam_to_ir_label.py).</summary>
public sealed record IrLabelOptions
{
    /// <summary>t_fg: the constant background of the foreground-confident CRF (IRN 0.30).</summary>
    public float FgThreshold { get; init => field = Threshold(value, nameof(FgThreshold)); } = 0.30f;

    /// <summary>t_bg: the constant background of the background-confident CRF (IRN 0.05).</summary>
    public float BgThreshold { get; init => field = Threshold(value, nameof(BgThreshold)); } = 0.05f;

    /// <summary>The CRF of both passes; it must use the label unary (IRN: the <c>irn</c> preset).</summary>
    public CrfParameters Crf
    {
        get;
        init => field = (value ?? throw new ArgumentNullException(nameof(value))).Unary == CrfUnaryKind.Labels
            ? value : throw new ArgumentException("ir_label's CRF runs on label maps: its unary must be labels:GT_PROB", nameof(Crf));
    } = CrfParameters.Preset("irn");

    private static float Threshold(float v, string name) =>
        float.IsFinite(v) && v >= 0 ? v : throw new ArgumentException($"{name} must be a non-negative number", name);

    /// <summary>
    /// The method's ir_label thresholds from its <c>--method</c> preset (<see cref="MethodPresets"/>, the one table of
    /// method defaults): irn, conta, rpnet, cda, wsgcn 0.30/0.05; advcam 0.35/0.15; bes 0.30/0.07; puzzlecam 0.30/0.05
    /// (its code), puzzlecam-readme 0.40/0.10 (its README).
    /// </summary>
    public static IrLabelOptions ForMethod(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var preset = MethodPresets.All.FirstOrDefault(p => p.IrLabel is not null && string.Equals(p.Name, method.Trim(), StringComparison.OrdinalIgnoreCase));
        if (preset?.IrLabel is not { } thresholds)
        {
            string known = string.Join(", ", MethodPresets.All.Where(p => p.IrLabel is not null).Select(p => p.Name));
            throw new ArgumentException($"no ir_label defaults for method '{method}' (known: {known})", nameof(method));
        }
        return new IrLabelOptions { FgThreshold = thresholds.Value.Fg, BgThreshold = thresholds.Value.Bg };
    }

    /// <summary>Parses "FG,BG" thresholds, e.g. "0.30,0.05" (the CLI's <c>--ir-label</c> value).</summary>
    public static IrLabelOptions Parse(string text, CrfParameters? crf = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !float.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out float fg)
            || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float bg))
            throw new ArgumentException($"ir_label takes FG,BG thresholds, e.g. 0.30,0.05; got '{text}'", nameof(text));
        var options = new IrLabelOptions { FgThreshold = fg, BgThreshold = bg };
        return crf is null ? options : options with { Crf = crf };
    }
}

/// <summary>
/// IRN's ir_label (jiwoon-ahn/irn step/cam_to_ir_label.py): two label CRFs of the constant-threshold
/// argmax, one with a high background (confident foreground) and one with a low one (confident
/// background); foreground of the first wins, background agreed by both stays 0, the rest is 255.
/// </summary>
public static class IrLabelRecipe
{
    /// <summary>
    /// <paramref name="cams"/> are full-resolution (`high_res`) maps; a stored background channel is
    /// dropped. Returns VOC ids with 255 where unsure.
    /// </summary>
    public static LabelMap Run(ComputeBackend backend, RgbImage image, ClassMaps cams, IrLabelOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(options);
        DenseCrf.CheckSameSize(image, cams.Height, cams.Width);
        var fg = cams.ForegroundOnly();
        int classes = fg.Channels;
        if (classes == 0) return new LabelMap(fg.Height, fg.Width);
        var keys = ScoreLabels.Keys(fg);

        // IRN's conf_fg / conf_bg: argmax indices into keys' of [t; M], then the label CRF of each.
        using var prepared = DenseCrf.Prepare(backend, image, options.Crf);
        var results = prepared.InferAll([
            CrfUnary.FromLabels(ScoreLabels.Indices(fg, new BackgroundRule.Constant(options.FgThreshold)), classes + 1, options.Crf.GtProb),
            CrfUnary.FromLabels(ScoreLabels.Indices(fg, new BackgroundRule.Constant(options.BgThreshold)), classes + 1, options.Crf.GtProb),
        ]);
        return Combine(results[0].ToLabelMap(keys), results[1].ToLabelMap(keys));
    }

    /// <summary>
    /// The per-pixel rule on two VOC-id maps: F' where F' ≠ 0; 0 where both are 0; 255 where
    /// F' = 0 and B' ≠ 0 (an "unsure" F' of 255 is kept as 255).
    /// </summary>
    public static LabelMap Combine(LabelMap fgConfident, LabelMap bgConfident)
    {
        ArgumentNullException.ThrowIfNull(fgConfident);
        ArgumentNullException.ThrowIfNull(bgConfident);
        if (fgConfident.Height != bgConfident.Height || fgConfident.Width != bgConfident.Width)
            throw new WsssInputException(null, "the two ir_label CRF outputs differ in size");
        var f = fgConfident.Labels;
        var b = bgConfident.Labels;
        var result = new byte[f.Length];
        for (int i = 0; i < f.Length; i++)
            result[i] = f[i] != 0 ? f[i] : b[i] == 0 ? (byte)0 : LabelMap.Ignore;
        return new LabelMap(fgConfident.Height, fgConfident.Width, result);
    }
}

/// <summary>First and last step: IRN's ir_label (<see cref="IrLabelRecipe"/>), its two CRFs included.</summary>
/// <param name="options">Thresholds and CRF.</param>
public sealed class IrLabelStep(IrLabelOptions options) : CrfRecipeStep
{
    /// <summary>Thresholds and CRF.</summary>
    public IrLabelOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public override string Name => "ir-label+crf";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last) =>
        state.Labels = IrLabelRecipe.Run(backend, state.Image, state.Foreground, Options);
}
