using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Methods;

/// <summary>A preset value and the upstream code it comes from (repository/path:line).</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The value <c>--method</c> sets.</param>
/// <param name="Source">Where the method's own code sets it, e.g. <c>jiwoon-ahn/irn run_sample.py:30</c>.</param>
public sealed record Cited<T>(T Value, string Source);

/// <summary>How <c>refine --save-scores</c> writes an image's scores (background first, then the present classes).</summary>
public enum ScoreFileLayout
{
    /// <summary>A plain float32 (C+1, H, W) array, background first (SSDD's <c>out_aff_crf</c> layout).</summary>
    Array,
    /// <summary>
    /// A pickled dict {0: bg, c+1: map} of float32 (H, W) maps, as PSA/SEAM save their la/ha CRF outputs
    /// (jiwoon-ahn/psa infer_cls.py:106), SSDD its <c>out_aff</c> and WSGCN its <c>Logit</c> dicts.
    /// </summary>
    BgFgDict,
    /// <summary>
    /// Puzzle-CAM's random-walk output <c>{"keys": int64 [0, c+1...], "rw": float32 (C, H, W)}</c>
    /// (OFRIN/PuzzleCAM inference_rw.py:168), which its make_pseudo_labels.py reads.
    /// </summary>
    PuzzleCamRw,
}

/// <summary>One post-processing script of a method and the <c>wsss</c> command that replaces it.</summary>
/// <param name="Script">The upstream script (repository/path).</param>
/// <param name="Command">The <c>wsss</c> command line, with the method's usual folder names.</param>
public sealed record ScriptReplacement(string Script, string Command);

/// <summary>
/// One seed method's whole recipe (<c>--method NAME</c>): dump format, CAM→label rule, random walk, CRF, metric,
/// sweep range, PNG flavour and score layout, each with the upstream line it comes from. A null value means the
/// method has no such step; explicit command-line flags override every value.
/// </summary>
public sealed record MethodPreset
{
    /// <summary>The CLI name, e.g. "irn" or "puzzlecam-readme".</summary>
    public required string Name { get; init; }
    /// <summary>The method and its repository, e.g. "IRN (jiwoon-ahn/irn)".</summary>
    public required string Title { get; init; }
    /// <summary>The <c>--format</c> preset its CAM dumps are read with; null = auto-detect (IAL).</summary>
    public Cited<string>? Format { get; init; }
    /// <summary>The constant background threshold of its CAM evaluation (<c>eval --threshold</c>).</summary>
    public Cited<double>? EvalThreshold { get; init; }
    /// <summary>The threshold sweep of its CAM evaluation, <c>START:STOP:STEP</c> (stop inclusive); wins over <see cref="EvalThreshold"/> in <c>eval</c>.</summary>
    public Cited<string>? EvalSweep { get; init; }
    /// <summary>
    /// The sweep, with the over/under-activation report, for dumps of random-walk scores (Puzzle-CAM's <c>{"keys", "rw"}</c>,
    /// its evaluate.py <c>--mode rw</c>) where it differs from <see cref="EvalSweep"/>.
    /// </summary>
    public Cited<string>? EvalSweepRandomWalk { get; init; }
    /// <summary>How its evaluation averages IoUs.</summary>
    public required Cited<SegmentationMetric> Metric { get; init; }
    /// <summary>The ground truth and list its evaluation uses (informational).</summary>
    public Cited<string>? EvalData { get; init; }
    /// <summary>IRN's confident-region labels (fg, bg thresholds) for training the affinity network.</summary>
    public Cited<(float Fg, float Bg)>? IrLabel { get; init; }
    /// <summary>PSA's la/ha labels (low, high alphas) for training AffinityNet.</summary>
    public Cited<(float Low, float High)>? LaHa { get; init; }
    /// <summary>ICD: seeds from the ICD scores next to the CAMs.</summary>
    public Cited<bool>? IcdSeeds { get; init; }
    /// <summary>A constant-threshold first stage for <c>refine</c> when the method has no la/ha, ir_label or seed rule.</summary>
    public Cited<double>? RefineThreshold { get; init; }
    /// <summary>The CRF preset of its pseudo-label rule (ir_label: irn, la/ha: psa, ICD seeds: icd).</summary>
    public Cited<string>? Crf { get; init; }
    /// <summary>The random-walk preset (a <see cref="RandomWalk.RandomWalkOptions.Preset"/> name) used with <c>--rw</c>.</summary>
    public Cited<string>? RandomWalk { get; init; }
    /// <summary>The CRF its random-walk labels go through (Puzzle-CAM: irn with its iteration count), as <c>--crf-params</c> text.</summary>
    public Cited<string>? RandomWalkCrf { get; init; }
    /// <summary>The CRF the scores of its refine threshold go through (VWE v2 crf.py), as <c>--crf-params</c> text.</summary>
    public Cited<string>? RefineCrf { get; init; }
    /// <summary>
    /// With a CRF after its walk: the walk's labels stay <c>ID.png</c> and the CRF's go to <c>ID{suffix}.png</c>
    /// (BES: <c>_crf</c>); null writes the CRF's labels as <c>ID.png</c>.
    /// </summary>
    public Cited<string>? CrfLabelSuffix { get; init; }
    /// <summary>The label PNG flavour its next step reads.</summary>
    public required Cited<LabelPngFlavour> Png { get; init; }
    /// <summary>The layout of <c>--save-scores</c> files its next step reads.</summary>
    public required Cited<ScoreFileLayout> Scores { get; init; }
    /// <summary>Whether image-level labels read from VOC XML annotations count objects marked difficult.</summary>
    public required Cited<bool> CountDifficult { get; init; }
    /// <summary>Its post-processing scripts and the commands that replace them.</summary>
    public IReadOnlyList<ScriptReplacement> Scripts { get; init; } = [];
}
