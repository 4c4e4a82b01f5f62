using System.Globalization;

namespace WsssGpuRefine.Crf;

/// <summary>How the unary energies of a CRF are made from its input (lucasb-eyer/pydensecrf densecrf/src/unary.cpp).</summary>
public enum CrfUnaryKind
{
    /// <summary>U = −log(clip(p, 1e-5, 1)) with the scores taken as they are (no softmax): psa, wsgcn-partial.</summary>
    Scores,
    /// <summary>A real per-pixel softmax over the channels first, then as <see cref="Scores"/>: rrm-infer, wsgcn-final, vwe, deeplab.</summary>
    Softmax,
    /// <summary>From a label map: −log(gt_prob) at the label, −log((1−gt_prob)/(n−1)) elsewhere (zero_unsure off): irn, bes.</summary>
    Labels,
    /// <summary>
    /// ICD's seed rule: p = confidence at the seed label plus (1−confidence)/n everywhere, renormalised;
    /// a seed outside 0..n−1 (255) gives the uniform distribution; U = −log(max(p, 1e-5)).
    /// </summary>
    IcdSeeds,
}

/// <summary>
/// Parameters of one fully connected CRF as pydensecrf runs it: a Gaussian kernel (sxy, compat), a
/// bilateral kernel (sxy, srgb, compat), Potts compatibility, DIAG kernels with symmetric
/// normalisation, <see cref="Iterations"/> mean-field steps. A kernel whose compat is 0 is left out.
/// Every property is validated when set (ArgumentException).
/// </summary>
/// <remarks>
/// Text syntax (<see cref="Parse"/>, the CLI's <c>--crf-params</c>): items separated by ';', each
/// <c>key=value</c>, keys in any order, later items override earlier ones:
/// <list type="bullet">
/// <item><c>preset=NAME</c> start from a preset or method alias (see <see cref="PresetNames"/>); applied
/// first wherever it stands. Without it the start is <c>psa</c>.</item>
/// <item><c>gauss=SXY,COMPAT</c> or <c>gauss=off</c>.</item>
/// <item><c>bilateral=SXY,SRGB,COMPAT</c> or <c>bilateral=off</c>.</item>
/// <item><c>iters=N</c> (0 returns softmax(−U)).</item>
/// <item><c>unary=scores</c> | <c>softmax</c> | <c>labels:GT_PROB</c> | <c>icd:CONFIDENCE</c>.</item>
/// <item><c>unsure=P</c> (label 255 where the largest marginal is below P) or <c>unsure=off</c>.</item>
/// </list>
/// Example: <c>gauss=3,3;bilateral=50,5,10;iters=10;unary=labels:0.7</c> is the <c>irn</c> preset;
/// <c>preset=irn;iters=1</c> is Puzzle-CAM's README setting.
/// </remarks>
public sealed record CrfParameters
{
    private readonly float _gaussianSxy = 3, _gaussianCompat = 3;
    private readonly float _bilateralSxy = 80, _bilateralSrgb = 13, _bilateralCompat = 10;
    private readonly int _iterations = 10;
    private readonly float _gtProb = 0.7f;
    private readonly float? _unsureBelow;
    private readonly CrfUnaryKind _unary = CrfUnaryKind.Scores;

    /// <summary>Preset name this set came from ("custom" once parsed from explicit items that change it).</summary>
    public string Name { get; init; } = "custom";

    /// <summary>Spatial standard deviation of the Gaussian (smoothness) kernel, in pixels (pydensecrf addPairwiseGaussian sxy); positive.</summary>
    public float GaussianSxy { get => _gaussianSxy; init => _gaussianSxy = Positive(value, nameof(GaussianSxy)); }
    /// <summary>Potts weight of the Gaussian kernel; 0 leaves the kernel out; non-negative.</summary>
    public float GaussianCompat { get => _gaussianCompat; init => _gaussianCompat = NonNegative(value, nameof(GaussianCompat)); }
    /// <summary>Spatial standard deviation of the bilateral (appearance) kernel, in pixels (addPairwiseBilateral sxy); positive.</summary>
    public float BilateralSxy { get => _bilateralSxy; init => _bilateralSxy = Positive(value, nameof(BilateralSxy)); }
    /// <summary>Colour standard deviation of the bilateral kernel, in 0..255 RGB levels (addPairwiseBilateral srgb); positive.</summary>
    public float BilateralSrgb { get => _bilateralSrgb; init => _bilateralSrgb = Positive(value, nameof(BilateralSrgb)); }
    /// <summary>Potts weight of the bilateral kernel; 0 leaves the kernel out; non-negative.</summary>
    public float BilateralCompat { get => _bilateralCompat; init => _bilateralCompat = NonNegative(value, nameof(BilateralCompat)); }

    /// <summary>Mean-field steps, 0..1000 (pydensecrf's <c>inference(n)</c>; the presets use 10); 0 returns softmax(−U).</summary>
    /// <exception cref="ArgumentException">Set outside 0..1000.</exception>
    public int Iterations
    {
        get => _iterations;
        init => _iterations = value is >= 0 and <= 1000
            ? value : throw new ArgumentException("iterations must be 0..1000", nameof(Iterations));
    }

    /// <summary>How the unary energies are made from the input (scores, softmax, labels, ICD seeds).</summary>
    /// <exception cref="ArgumentException">Set to an undefined value.</exception>
    public CrfUnaryKind Unary
    {
        get => _unary;
        init => _unary = Enum.IsDefined(value) ? value : throw new ArgumentException("unknown unary kind", nameof(Unary));
    }

    /// <summary>gt_prob of <see cref="CrfUnaryKind.Labels"/>, the seed confidence of <see cref="CrfUnaryKind.IcdSeeds"/>; in (0, 1).</summary>
    public float GtProb
    {
        get => _gtProb;
        init => _gtProb = value > 0 && value < 1 ? value : throw new ArgumentException("gt_prob must lie in (0, 1)", nameof(GtProb));
    }

    /// <summary>Pixels whose largest marginal is below this get label 255 (ICD: 0.1); null for none.</summary>
    public float? UnsureBelow
    {
        get => _unsureBelow;
        init => _unsureBelow = value is null || (value >= 0 && value <= 1)
            ? value : throw new ArgumentException("unsure threshold must lie in [0, 1]", nameof(UnsureBelow));
    }

    /// <summary>True when the Gaussian kernel takes part (<see cref="GaussianCompat"/> is not 0).</summary>
    public bool HasGaussian => GaussianCompat != 0;
    /// <summary>True when the bilateral kernel takes part (<see cref="BilateralCompat"/> is not 0).</summary>
    public bool HasBilateral => BilateralCompat != 0;

    private static float Positive(float v, string name) =>
        float.IsFinite(v) && v > 0 ? v : throw new ArgumentException($"{name} must be a positive finite number", name);

    private static float NonNegative(float v, string name) =>
        float.IsFinite(v) && v >= 0 ? v : throw new ArgumentException($"{name} must be a non-negative finite number", name);

    // ------------------------------------------------------------------ presets

    private static readonly Dictionary<string, CrfParameters> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["psa"] = new() { Name = "psa", GaussianSxy = 3, GaussianCompat = 3, BilateralSxy = 80, BilateralSrgb = 13, BilateralCompat = 10, Unary = CrfUnaryKind.Scores },
        ["irn"] = new() { Name = "irn", GaussianSxy = 3, GaussianCompat = 3, BilateralSxy = 50, BilateralSrgb = 5, BilateralCompat = 10, Unary = CrfUnaryKind.Labels, GtProb = 0.7f },
        ["bes"] = new() { Name = "bes", GaussianSxy = 3, GaussianCompat = 3, BilateralSxy = 20, BilateralSrgb = 5, BilateralCompat = 10, Unary = CrfUnaryKind.Labels, GtProb = 0.7f },
        ["rrm-infer"] = new() { Name = "rrm-infer", GaussianSxy = 3, GaussianCompat = 3, BilateralSxy = 83, BilateralSrgb = 5, BilateralCompat = 4, Unary = CrfUnaryKind.Softmax },
        ["wsgcn-partial"] = new() { Name = "wsgcn-partial", GaussianSxy = 4, GaussianCompat = 3, BilateralSxy = 20, BilateralSrgb = 3, BilateralCompat = 10, Unary = CrfUnaryKind.Scores },
        ["wsgcn-final"] = new() { Name = "wsgcn-final", GaussianSxy = 3, GaussianCompat = 3, BilateralSxy = 50, BilateralSrgb = 5, BilateralCompat = 3, Unary = CrfUnaryKind.Softmax },
        ["vwe"] = new() { Name = "vwe", GaussianSxy = 1, GaussianCompat = 3, BilateralSxy = 64, BilateralSrgb = 3, BilateralCompat = 4, Unary = CrfUnaryKind.Softmax },
        ["deeplab"] = new() { Name = "deeplab", GaussianSxy = 1, GaussianCompat = 3, BilateralSxy = 67, BilateralSrgb = 3, BilateralCompat = 4, Unary = CrfUnaryKind.Softmax },
        ["icd"] = new() { Name = "icd", GaussianSxy = 3, GaussianCompat = 3, BilateralSxy = 80, BilateralSrgb = 13, BilateralCompat = 10, Unary = CrfUnaryKind.IcdSeeds, GtProb = 0.5f, UnsureBelow = 0.1f },
    };

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["seam"] = "psa", ["sccam"] = "psa", ["ssdd"] = "psa",
        ["puzzlecam"] = "irn", ["advcam"] = "irn", ["conta"] = "irn", ["rpnet"] = "irn", ["cda"] = "irn",
        ["rrm"] = "rrm-infer", ["wsgcn"] = "wsgcn-final",
    };

    /// <summary>Preset names, then method aliases.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = [.. Presets.Keys, .. Aliases.Keys];

    /// <summary>The preset of that name or method alias (case-insensitive).</summary>
    public static CrfParameters Preset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = Aliases.TryGetValue(name.Trim(), out var target) ? target : name.Trim();
        return Presets.TryGetValue(key, out var preset)
            ? preset
            : throw new ArgumentException(
                $"unknown CRF preset '{name}' (known: {string.Join(", ", PresetNames)})", nameof(name));
    }

    /// <summary>Looks a preset or method alias up (case-insensitive, surrounding spaces ignored); false when the name is unknown.</summary>
    public static bool TryGetPreset(string name, out CrfParameters? parameters)
    {
        string key = Aliases.TryGetValue(name.Trim(), out var target) ? target : name.Trim();
        return Presets.TryGetValue(key, out parameters);
    }

    // ------------------------------------------------------------------ text form

    /// <summary>Parses the <c>--crf-params</c> syntax described on the type; throws ArgumentException.</summary>
    public static CrfParameters Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var items = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new ArgumentException("empty CRF parameter string", nameof(text));
        var pairs = new List<(string Key, string Value)>();
        foreach (var item in items)
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"CRF parameter item '{item}' is not key=value", nameof(text));
            pairs.Add((item[..eq].Trim().ToLowerInvariant(), item[(eq + 1)..].Trim()));
        }
        var result = Preset("psa");
        foreach (var (k, v) in pairs.Where(p => p.Key == "preset")) result = Preset(v);
        string baseName = result.Name;
        foreach (var (key, value) in pairs)
        {
            switch (key)
            {
                case "preset":
                    break;
                case "gauss":
                    if (IsOff(value)) { result = result with { GaussianCompat = 0 }; break; }
                    {
                        var n = Numbers(value, 2, key);
                        result = result with { GaussianSxy = n[0], GaussianCompat = n[1] };
                    }
                    break;
                case "bilateral":
                    if (IsOff(value)) { result = result with { BilateralCompat = 0 }; break; }
                    {
                        var n = Numbers(value, 3, key);
                        result = result with { BilateralSxy = n[0], BilateralSrgb = n[1], BilateralCompat = n[2] };
                    }
                    break;
                case "iters":
                case "iterations":
                    if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int iters))
                        throw new ArgumentException($"iters '{value}' is not an integer", nameof(text));
                    result = result with { Iterations = iters };
                    break;
                case "unary":
                    result = ParseUnary(result, value);
                    break;
                case "unsure":
                    result = result with { UnsureBelow = IsOff(value) ? null : Numbers(value, 1, key)[0] };
                    break;
                default:
                    throw new ArgumentException(
                        $"unknown CRF parameter '{key}' (known: preset, gauss, bilateral, iters, unary, unsure)", nameof(text));
            }
        }
        var named = result with { Name = baseName };
        return named == Preset(baseName) ? named : result with { Name = "custom" };
    }

    private static CrfParameters ParseUnary(CrfParameters p, string value)
    {
        var parts = value.Split(':', StringSplitOptions.TrimEntries);
        string kind = parts[0].ToLowerInvariant();
        float? arg = parts.Length switch
        {
            1 => null,
            2 => Numbers(parts[1], 1, "unary")[0],
            _ => throw new ArgumentException($"unary '{value}' has too many ':' parts"),
        };
        return kind switch
        {
            "scores" when arg is null => p with { Unary = CrfUnaryKind.Scores },
            "softmax" when arg is null => p with { Unary = CrfUnaryKind.Softmax },
            "labels" => p with { Unary = CrfUnaryKind.Labels, GtProb = arg ?? 0.7f },
            "icd" => p with { Unary = CrfUnaryKind.IcdSeeds, GtProb = arg ?? 0.5f },
            _ => throw new ArgumentException(
                $"unary '{value}' is not one of scores, softmax, labels:GT_PROB, icd:CONFIDENCE"),
        };
    }

    private static bool IsOff(string v) => v.Equals("off", StringComparison.OrdinalIgnoreCase) || v.Equals("none", StringComparison.OrdinalIgnoreCase);

    private static float[] Numbers(string value, int count, string key)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count)
            throw new ArgumentException($"{key} takes {count} comma-separated number(s), got '{value}'");
        var result = new float[count];
        for (int i = 0; i < count; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]))
                throw new ArgumentException($"{key}: '{parts[i]}' is not a number");
        return result;
    }

    /// <summary>The canonical text form, which <see cref="Parse"/> reads back to an equal value.</summary>
    public override string ToString()
    {
        static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
        string gauss = HasGaussian ? $"{F(GaussianSxy)},{F(GaussianCompat)}" : "off";
        string bilateral = HasBilateral ? $"{F(BilateralSxy)},{F(BilateralSrgb)},{F(BilateralCompat)}" : "off";
        string unary = Unary switch
        {
            CrfUnaryKind.Scores => "scores",
            CrfUnaryKind.Softmax => "softmax",
            CrfUnaryKind.Labels => $"labels:{F(GtProb)}",
            _ => $"icd:{F(GtProb)}",
        };
        string prefix = Presets.ContainsKey(Name) ? $"preset={Name};" : "";
        string text = $"{prefix}gauss={gauss};bilateral={bilateral};iters={Iterations};unary={unary}";
        return UnsureBelow is { } u ? $"{text};unsure={F(u)}" : $"{text};unsure=off";
    }
}
