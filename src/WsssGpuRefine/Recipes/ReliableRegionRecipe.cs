using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// Parameters of the reliable-region rule of RRM (zbf1991/RRM tool/myTool.py:23-76, <c>compute_seg_label</c>) and
/// of WSGCN's partial labels (Xavier-Pan/WSGCN GCN/utils.py:354-438, the same rule with a confident ratio).
/// </summary>
public sealed record ReliableRegionOptions
{
    /// <summary>The la/ha CRFs (α of the two power stacks and the CRF: RRM 4 / 32 with the <c>psa</c> preset).</summary>
    public PsaLaHaOptions LaHa { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = new();

    /// <summary>
    /// The share of a class's CAM values (above <see cref="CamFloor"/>, inside its argmax region) that is kept as
    /// reliable: the cut is the value at position ⌊n·(1 − ratio)⌋ of the sorted values, and only larger values are
    /// kept (RRM 0.4, its literal <c>* 0.6</c> at tool/myTool.py:56; WSGCN <c>confident_ratio</c> 0.3, GCN/config.py:25).
    /// </summary>
    public double ConfidentRatio { get; init => field = value is > 0 and <= 1 ? value : throw new ArgumentException("the confident ratio must lie in (0, 1]", nameof(ConfidentRatio)); } = 0.4;

    /// <summary>CAM values at or below this never count towards a class's cut (0.1 in both, tool/myTool.py:54).</summary>
    public double CamFloor { get; init; } = 0.1;

    /// <summary>
    /// The confidence both the (1 − max)^32 background and the CRF's largest probability must exceed (0.8 in both:
    /// tool/myTool.py:64 and :71; WSGCN <c>threshold4conf</c>).
    /// </summary>
    public double Confidence { get; init; } = 0.8;

    /// <summary>α of the background that decides the argmax regions of the CAMs (32 in both, tool/myTool.py:33).</summary>
    public float RegionAlpha { get; init; } = 32;

    /// <summary>
    /// True when the upstream code holds the CAMs in float64 (WSGCN copies them into <c>np.zeros</c>, make_dataset.py:50),
    /// so the floor and the background confidence are compared in double; RRM's CAMs are float32, compared in float32.
    /// </summary>
    public bool Float64 { get; init; }

    /// <summary>RRM's rule: la/ha α 4 / 32, <c>psa</c> CRF, 60th percentile, float32 CAMs.</summary>
    public static ReliableRegionOptions Rrm => new();

    /// <summary>WSGCN's partial labels: la/ha α 4 / 32, <c>wsgcn-partial</c> CRF, confident ratio 0.3 (70th percentile), float64 CAMs.</summary>
    public static ReliableRegionOptions Wsgcn => new()
    {
        LaHa = new PsaLaHaOptions { Crf = CrfParameters.Preset("wsgcn-partial") },
        ConfidentRatio = 0.3,
        Float64 = true,
    };

    /// <summary>"rrm" or "wsgcn" (the CLI's <c>--reliable-regions</c> values).</summary>
    public static ReliableRegionOptions ForMethod(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return method.Trim().ToLowerInvariant() switch
        {
            "rrm" => Rrm,
            "wsgcn" => Wsgcn,
            _ => throw new ArgumentException($"no reliable-region rule for method '{method}' (known: rrm, wsgcn)", nameof(method)),
        };
    }
}

/// <summary>
/// RRM's reliable regions (zbf1991/RRM tool/myTool.py:23-76): the la/ha CRF labels (<see cref="PsaLaHaRecipe"/>, 255
/// where la says background, 0 where ha says background), then 255 wherever the pixel is not reliable. A pixel is
/// reliable when its CAM argmax region (argmax over [(1 − max)^32; M]) belongs to a class of the la label and its CAM
/// value there is above the class's cut (<see cref="ReliableRegionOptions.ConfidentRatio"/>), or it is background there
/// with (1 − max)^32 above 0.8 (only when the la label holds background at all) — and the largest CRF probability of
/// [ha background; la foreground] is at least 0.8.
/// </summary>
public static class ReliableRegionRecipe
{
    /// <summary>The la/ha CRFs of one image and the rule on them.</summary>
    /// <param name="backend">Where the CRFs run.</param>
    /// <param name="image">The RGB image the CRFs see, the CAMs' size.</param>
    /// <param name="cams">The CAMs; a stored background channel is dropped.</param>
    /// <param name="options">The rule's parameters.</param>
    /// <returns>VOC ids with 255 where unreliable, and the scores [ha background; la foreground] (keys' label ids).</returns>
    public static RecipeOutput Run(ComputeBackend backend, RgbImage image, ClassMaps cams, ReliableRegionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fg = (cams ?? throw new ArgumentNullException(nameof(cams))).ForegroundOnly();
        var laHa = PsaLaHaRecipe.Run(backend, image, fg, options.LaHa);
        return new RecipeOutput(Rule(fg, laHa.La, laHa.Ha, options), Scores(laHa.La, laHa.Ha, laHa.LabelIds));
    }

    /// <summary>[ha background; la foreground], the probabilities the rule's confidence test reads (tool/myTool.py:70).</summary>
    public static ClassMaps Scores(CrfResult la, CrfResult ha, int[] labelIds)
    {
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(ha);
        ArgumentNullException.ThrowIfNull(labelIds);
        int px = la.PixelCount;
        var data = (float[])la.Marginals.Clone();
        Array.Copy(ha.Marginals, data, px);
        return new ClassMaps((int[])labelIds.Clone(), la.Height, la.Width, data);
    }

    /// <summary>The rule on the CAMs and the two CRF results over keys' = [0] ∪ ids (<see cref="ScoreLabels.Keys"/>).</summary>
    /// <param name="cams">The CAMs the CRF stacks were built from; a stored background channel is dropped.</param>
    /// <param name="la">CRF of the α-low stack.</param>
    /// <param name="ha">CRF of the α-high stack.</param>
    /// <param name="options">The rule's parameters (its la/ha part is not used here).</param>
    /// <returns>VOC ids, 255 where unreliable.</returns>
    public static LabelMap Rule(ClassMaps cams, CrfResult la, CrfResult ha, ReliableRegionOptions options)
    {
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(la);
        ArgumentNullException.ThrowIfNull(ha);
        ArgumentNullException.ThrowIfNull(options);
        var fg = cams.ForegroundOnly();
        var keys = ScoreLabels.Keys(fg);
        int px = fg.PixelCount, n = keys.Length;
        if (la.LabelCount != n || ha.LabelCount != n || la.PixelCount != px || ha.PixelCount != px)
            throw new ArgumentException("la and ha must cover the CAMs' classes (plus background) and pixels");

        // tool/myTool.py:41-44 and :68: la foreground, 255 where la says background, 0 where ha says background.
        var labels = PsaLaHaRecipe.Rule(la, ha, keys).Labels;
        var reliable = ReliableCamRegion(fg, la.Labels, options);
        for (int i = 0; i < px; i++)
        {
            // tool/myTool.py:69-74: the largest of [ha background; la foreground] must reach the confidence.
            float max = ha.Marginals[i];
            for (int l = 1; l < n; l++) max = Math.Max(max, la.Marginals[l * px + i]);
            if (!reliable[i] || (double)max < options.Confidence) labels[i] = LabelMap.Ignore;
        }
        return new LabelMap(fg.Height, fg.Width, labels);
    }

    /// <summary>tool/myTool.py:33-66: the CAM pixels each class present in the la label may keep.</summary>
    private static bool[] ReliableCamRegion(ClassMaps fg, byte[] laLabels, ReliableRegionOptions options)
    {
        int px = fg.PixelCount, classes = fg.Channels;
        var region = ScoreLabels.Indices(fg, new BackgroundRule.Power(options.RegionAlpha)).Labels;
        var inLa = new bool[classes + 1];
        foreach (byte l in laLabels)
            if (l <= classes) inLa[l] = true;
        var reliable = new bool[px];
        if (inLa[0])
        {
            var background = new BackgroundRule.Power(options.RegionAlpha);
            float confidence32 = (float)options.Confidence;
            for (int i = 0; i < px; i++)
            {
                if (region[i] != 0) continue;
                float bg = background.Score(classes == 0 ? 0f : MaxAt(fg, i));
                reliable[i] = options.Float64 ? bg > options.Confidence : bg > confidence32;
            }
        }
        var values = new List<float>();
        for (int c = 1; c <= classes; c++)
        {
            if (!inLa[c]) continue;
            var cam = fg.Channel(c - 1);
            values.Clear();
            for (int i = 0; i < px; i++)
                if (region[i] == c && AboveFloor(cam[i], options)) values.Add(cam[i]);
            // Upstream indexes an empty array here and stops with an IndexError; such a class keeps no pixel.
            if (values.Count == 0) continue;
            values.Sort();
            float cut = values[(int)(values.Count * (1.0 - options.ConfidentRatio))];
            for (int i = 0; i < px; i++)
                if (region[i] == c && cam[i] > cut) reliable[i] = true;
        }
        return reliable;
    }

    private static bool AboveFloor(float v, ReliableRegionOptions options) =>
        options.Float64 ? v > options.CamFloor : v > (float)options.CamFloor;

    private static float MaxAt(ClassMaps fg, int pixel)
    {
        float m = fg.Data[pixel];
        for (int c = 1; c < fg.Channels; c++) m = Math.Max(m, fg.Data[c * fg.PixelCount + pixel]);
        return m;
    }
}

/// <summary>First and last step: RRM's reliable regions (<see cref="ReliableRegionRecipe"/>), its two CRFs included.</summary>
/// <param name="options">The rule's parameters.</param>
public sealed class ReliableRegionStep(ReliableRegionOptions options) : CrfRecipeStep
{
    /// <summary>The rule's parameters.</summary>
    public ReliableRegionOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public override string Name => "reliable-regions+crf";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last) =>
        (state.Labels, state.Scores) = ReliableRegionRecipe.Run(backend, state.Image, state.Foreground, Options);
}
