using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Recipes;

/// <summary>Powers and CRF of the PSA-family la/ha labels (jiwoon-ahn/psa infer_cls.py and voc12/data.py).</summary>
public sealed record PsaLaHaOptions
{
    /// <summary>α of the low-alpha stack (la): a weak background, so confident foreground.</summary>
    public float AlphaLow { get; init => field = Alpha(value, nameof(AlphaLow)); } = 4;

    /// <summary>α of the high-alpha stack (ha): a background that fades fast, so only confident background survives (PSA 32, SEAM 24).</summary>
    public float AlphaHigh { get; init => field = Alpha(value, nameof(AlphaHigh)); } = 32;

    /// <summary>The CRF of both stacks (PSA: the <c>psa</c> preset, scores without softmax).</summary>
    public CrfParameters Crf
    {
        get;
        init => field = (value ?? throw new ArgumentNullException(nameof(value))).Unary is CrfUnaryKind.Scores or CrfUnaryKind.Softmax
            ? value : throw new ArgumentException("la/ha CRFs run on score stacks: the unary must be scores or softmax", nameof(Crf));
    } = CrfParameters.Preset("psa");

    private static float Alpha(float v, string name) =>
        float.IsFinite(v) && v > 0 ? v : throw new ArgumentException($"{name} must be a positive number", name);

    /// <summary>psa, sccam, ssdd, rrm, wsgcn: α = 4 / 32; seam: 4 / 24.</summary>
    public static PsaLaHaOptions ForMethod(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method.Trim().ToLowerInvariant() switch
        {
            "psa" or "sccam" or "ssdd" or "rrm" or "wsgcn" => new PsaLaHaOptions(),
            "seam" => new PsaLaHaOptions { AlphaHigh = 24 },
            _ => throw new ArgumentException($"no la/ha defaults for method '{method}' (known: psa, seam, sccam, ssdd, rrm, wsgcn)", nameof(method)),
        };
    }
}

/// <summary>The two CRFs of the la/ha rule and the label map they give.</summary>
public sealed class PsaLaHaResult
{
    internal PsaLaHaResult(int[] labelIds, CrfResult la, CrfResult ha, LabelMap labels)
    {
        LabelIds = labelIds;
        La = la;
        Ha = ha;
        Labels = labels;
    }

    /// <summary>VOC id of each CRF label: 0 (background) then the present classes (the dict order).</summary>
    public int[] LabelIds { get; }
    /// <summary>CRF of the α-low stack (PSA's <c>out_la_crf</c> values).</summary>
    public CrfResult La { get; }
    /// <summary>CRF of the α-high stack (PSA's <c>out_ha_crf</c> values).</summary>
    public CrfResult Ha { get; }
    /// <summary>VOC ids: foreground where la says so and ha does not say background, 0 where ha says background, 255 elsewhere.</summary>
    public LabelMap Labels { get; }
}

/// <summary>
/// PSA / AffinityNet la/ha labels (jiwoon-ahn/psa infer_cls.py and voc12/data.py): CRFs of
/// [(1 − max_c M_c)^α; M] at a low and a high α, then L = argmax la; 255 where la says background;
/// 0 where ha says background (overrides); 255 where every la and ha score is below 1e-5. The
/// reference keeps dict positions; here they are mapped to VOC ids.
/// </summary>
public static class PsaLaHaRecipe
{
    /// <summary>PSA's la/ha CRF labels of one image, both CRFs sharing one prepared lattice.</summary>
    /// <param name="backend">Where the CRFs run (CPU or Vulkan).</param>
    /// <param name="image">The RGB image, the same size as the CAMs.</param>
    /// <param name="cams">Full-resolution CAMs; a stored background channel is dropped and rebuilt as (1 − max)^α.</param>
    /// <param name="options">The two α values and the CRF (PSA defaults: 4, 32, <c>psa</c> preset).</param>
    /// <exception cref="WsssInputException">The image and the CAMs differ in size.</exception>
    public static PsaLaHaResult Run(ComputeBackend backend, RgbImage image, ClassMaps cams, PsaLaHaOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(options);
        DenseCrf.CheckSameSize(image, cams.Height, cams.Width);
        var fg = cams.ForegroundOnly();
        var ids = ScoreLabels.Keys(fg);

        using var prepared = DenseCrf.Prepare(backend, image, options.Crf);
        var results = prepared.InferAll([
            CrfUnary.FromMaps(ScoreLabels.Stack(fg, new BackgroundRule.Power(options.AlphaLow)), options.Crf),
            CrfUnary.FromMaps(ScoreLabels.Stack(fg, new BackgroundRule.Power(options.AlphaHigh)), options.Crf),
        ]);
        return new PsaLaHaResult(ids, results[0], results[1], Rule(results[0], results[1], ids));
    }

    /// <summary>The la/ha rule on two CRF results over the same labels (ids[0] = background).</summary>
    public static LabelMap Rule(CrfResult la, CrfResult ha, int[] labelIds)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(ha);
        ArgumentNullException.ThrowIfNull(labelIds);
        if (la.LabelCount != ha.LabelCount || la.PixelCount != ha.PixelCount || labelIds.Length != la.LabelCount)
            throw new ArgumentException("la and ha must cover the same labels and pixels");
        int px = la.PixelCount, n = la.LabelCount;
        var laIds = la.ToLabelMap(labelIds).Labels;
        var result = new byte[px];
        for (int i = 0; i < px; i++)
        {
            byte label = la.Labels[i] == 0 ? LabelMap.Ignore : laIds[i];
            if (ha.Labels[i] == 0) label = 0;
            float max = 0;
            for (int l = 0; l < n; l++) max = Math.Max(max, Math.Max(la.Marginals[l * px + i], ha.Marginals[l * px + i]));
            if (max < 1e-5f) label = LabelMap.Ignore;
            result[i] = label;
        }
        return new LabelMap(la.Height, la.Width, result);
    }
}

/// <summary>First and last step: PSA's la/ha labels (<see cref="PsaLaHaRecipe"/>), its two CRFs included.</summary>
/// <param name="options">The two α values and the CRF.</param>
public sealed class LaHaStep(PsaLaHaOptions options) : CrfRecipeStep
{
    /// <summary>The two α values and the CRF.</summary>
    public PsaLaHaOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public override string Name => "la-ha+crf";

    /// <summary>The names under which the two CRFs' marginals are kept (<see cref="RecipeOutput.Saved"/>): PSA's folders.</summary>
    public const string LowSaved = "out_la_crf", HighSaved = "out_ha_crf";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        var result = PsaLaHaRecipe.Run(backend, state.Image, state.Foreground, Options);
        state.Labels = result.Labels;
        state.Saved[LowSaved] = result.La.ToClassMaps(result.LabelIds);
        state.Saved[HighSaved] = result.Ha.ToClassMaps(result.LabelIds);
    }
}
