namespace WsssGpuRefine.RandomWalk;

/// <summary>Which seed-method recipe wraps the propagation (jiwoon-ahn/irn step/make_sem_seg_labels.py vs jiwoon-ahn/psa infer_aff.py).</summary>
public enum RandomWalkRecipe
{
    /// <summary>
    /// IRN: stride-map CAM (× (1 − B) with a boundary map), propagate, bilinear ×stride, crop,
    /// divide by the global max, constant background threshold, argmax.
    /// </summary>
    Irn,

    /// <summary>
    /// PSA / SEAM / SSDD: full-res stack with power background (1 − max)^α, zero-pad and average-pool
    /// to the stride, propagate, bilinear up, crop, argmax with no threshold.
    /// </summary>
    AffinityNet,
}

/// <summary>Random-walk parameters; every setter validates. Presets follow jiwoon-ahn/irn run_sample.py and jiwoon-ahn/psa infer_aff.py defaults.</summary>
public sealed record RandomWalkOptions
{
    /// <summary>IRN (constant threshold after the walk) or AffinityNet (PSA/SEAM/SSDD: power background before it).</summary>
    public RandomWalkRecipe Recipe { get; init; } = RandomWalkRecipe.Irn;

    /// <summary>Exponent on the affinity before column normalisation (T = colnorm(A^β)).</summary>
    public float Beta
    {
        get;
        init => field = value > 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Beta), value, "must be positive and finite");
    } = 10f;

    /// <summary>log2 of the number of steps: the walk applies T^(2^ExpTimes) (PSA's logt).</summary>
    public int ExpTimes
    {
        get;
        init => field = value is >= 0 and <= MaxExpTimes ? value : throw new ArgumentOutOfRangeException(nameof(ExpTimes), value, $"must be in 0..{MaxExpTimes}");
    } = 8;

    /// <summary>Largest <see cref="ExpTimes"/> accepted (16384 steps); the references use 6 to 8.</summary>
    public const int MaxExpTimes = 14;

    /// <summary>Stencil radius (pairs with dy² + dx² &lt; r²).</summary>
    public int Radius
    {
        get;
        init
        {
            RandomWalkDirections.ValidateRadius(value);
            field = value;
        }
    } = 5;

    /// <summary>IRN: the constant background score after global-max normalisation (float32 as in the stack).</summary>
    public float BackgroundThreshold
    {
        get;
        init => field = float.IsFinite(value) && value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(BackgroundThreshold), value, "must be finite and non-negative");
    } = 0.25f;

    /// <summary>Grid stride of the propagation relative to the image (4 for IRN, 8 for AffinityNet).</summary>
    public int Stride
    {
        get;
        init => field = value is >= 1 and <= 64 ? value : throw new ArgumentOutOfRangeException(nameof(Stride), value, "must be in 1..64");
    } = 4;

    /// <summary>IRN: element-wise power on the CAM before propagation (AdvCAM: 1.5).</summary>
    public float CamPower
    {
        get;
        init => field = value > 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(CamPower), value, "must be positive and finite");
    } = 1f;

    /// <summary>AffinityNet: α of the power background (1 − max)^α.</summary>
    public float BackgroundAlpha
    {
        get;
        init => field = value > 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(BackgroundAlpha), value, "must be positive and finite");
    } = 16f;

    /// <summary>Corner alignment of the bilinear upsampling (the references use False).</summary>
    public bool AlignCorners { get; init; }

    /// <summary>
    /// IRN when the dump lacks the stride map: area-average the full-resolution CAM to the stride
    /// (an approximation of the network's own stride-4 output).
    /// </summary>
    public bool PoolFullResolutionCam { get; init; }

    /// <summary>
    /// Hold and sum the iterate in double on the CPU (weights stay float32). Measured on a 40×55
    /// grid, 256 steps, after global-max normalisation: the float32 stencil is 7e-6 from the exact
    /// (float64) walk and 7e-5 from the references' float32 matrix squaring (that is the
    /// reference's own rounding); double brings the first to 5e-8 for roughly twice the time.
    /// The GPU path always runs in float32.
    /// </summary>
    public bool DoubleAccumulation { get; init; }

    /// <summary>Number of walk steps, 2^<see cref="ExpTimes"/> (256 for IRN and PSA, 64 for SEAM).</summary>
    public int Steps => 1 << ExpTimes;

    /// <summary>IRN defaults: β 10, exp 8, r 5, bg 0.25, stride 4 (also CONTA, RPNet, CDA, WSGCN).</summary>
    public static RandomWalkOptions Irn { get; } = new();

    private static readonly Dictionary<string, RandomWalkOptions> PresetTable = new(StringComparer.OrdinalIgnoreCase)
    {
        ["irn"] = Irn,
        ["conta"] = Irn,
        ["rpnet"] = Irn,
        ["cda"] = Irn,
        ["wsgcn"] = Irn,
        ["advcam"] = Irn with { CamPower = 1.5f },
        ["bes"] = Irn with { Beta = 5f },
        ["puzzlecam"] = Irn,
        ["puzzlecam-readme"] = Irn with { BackgroundThreshold = 0.35f },
        ["psa"] = new() { Recipe = RandomWalkRecipe.AffinityNet, BackgroundAlpha = 16f, Beta = 8f, ExpTimes = 8, Stride = 8 },
        ["ssdd"] = new() { Recipe = RandomWalkRecipe.AffinityNet, BackgroundAlpha = 16f, Beta = 8f, ExpTimes = 8, Stride = 8 },
        ["seam"] = new() { Recipe = RandomWalkRecipe.AffinityNet, BackgroundAlpha = 6f, Beta = 8f, ExpTimes = 6, Stride = 8 },
    };

    /// <summary>The names <see cref="Preset"/> accepts: irn, conta, rpnet, cda, wsgcn, advcam, bes, puzzlecam, puzzlecam-readme, psa, ssdd, seam.</summary>
    public static IReadOnlyCollection<string> PresetNames => PresetTable.Keys;

    /// <summary>A named preset (case-insensitive); ArgumentException for an unknown name.</summary>
    public static RandomWalkOptions Preset(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return PresetTable.TryGetValue(name, out var options)
            ? options
            : throw new ArgumentException($"unknown random-walk preset '{name}' (known: {string.Join(", ", PresetTable.Keys)})", nameof(name));
    }
}
