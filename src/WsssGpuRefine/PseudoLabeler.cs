using WsssGpuRefine.Backends;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine;

/// <summary>
/// The library facade for training code: in-memory CAMs, images and labels in, refined labels or scores out.
/// Create one per process (or per training worker) and reuse it: the backend it holds (Vulkan device, pipelines,
/// buffers, or the CPU thread pool) stays warm across calls. Not thread-safe on a GPU backend; on the CPU backend
/// calls may come from several threads.
/// </summary>
/// <example>
/// <code>
/// using var labeler = new PseudoLabeler(BackendPreference.Auto);
/// var cams = new ClassMaps(labelIds: [15], height: 375, width: 500, data: camsFromTheNetwork);
/// LabelMap seed = labeler.Threshold(cams, 0.15);
/// LabelMap refined = labeler.Crf(image, labeler.Scores(cams, 0.15), "irn");
/// double miou = labeler.Score([(refined, groundTruth)]).MeanIou;
/// </code>
/// </example>
public sealed class PseudoLabeler : IDisposable
{
    /// <summary>Creates the backend the preference names (<see cref="BackendPreference.Auto"/>: best real GPU, else CPU).</summary>
    /// <param name="preference">auto, cpu or vulkan.</param>
    /// <param name="info">Receives one line when auto falls back to the CPU, and why.</param>
    public PseudoLabeler(BackendPreference preference = BackendPreference.Auto, Action<string>? info = null)
        : this(BackendFactory.Create(preference, info), ownsBackend: true)
    {
    }

    /// <summary>Uses a backend the caller created and keeps ownership of.</summary>
    public PseudoLabeler(ComputeBackend backend) : this(backend, ownsBackend: false)
    {
    }

    private PseudoLabeler(ComputeBackend backend, bool ownsBackend)
    {
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _ownsBackend = ownsBackend;
    }

    private readonly bool _ownsBackend;

    /// <summary>Where the kernels run.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>IRN's rule: background = <paramref name="threshold"/> (float32), argmax, ties to background.</summary>
    /// <param name="cams">Foreground maps (C,H,W) with VOC label ids; a stored background channel is ignored.</param>
    /// <param name="threshold">The constant background score, e.g. 0.15.</param>
    /// <returns>VOC ids per pixel.</returns>
    public LabelMap Threshold(ClassMaps cams, double threshold) =>
        ThresholdLabeling.Label(Backend, [cams], new BackgroundRule.Constant(threshold))[0];

    /// <summary>Labels a batch at once (one GPU submission on the Vulkan backend).</summary>
    /// <param name="cams">The images' maps.</param>
    /// <param name="rule">The background rule, constant or power.</param>
    /// <returns>One label map per input, in order.</returns>
    public LabelMap[] Label(IReadOnlyList<ClassMaps> cams, BackgroundRule rule) => ThresholdLabeling.Label(Backend, cams, rule);

    /// <summary>The score stack [background; maps] a CRF or random walk consumes, with a constant background.</summary>
    /// <param name="cams">Foreground maps.</param>
    /// <param name="threshold">The background score.</param>
    /// <returns>Maps with a background channel (label id 0) first.</returns>
    public ClassMaps Scores(ClassMaps cams, double threshold) => ScoreLabels.Stack(cams, new BackgroundRule.Constant(threshold));

    /// <summary>PSA's score stack [(1 - max)^alpha; maps].</summary>
    /// <param name="cams">Foreground maps.</param>
    /// <param name="alpha">The power, e.g. 4 (la) or 32 (ha).</param>
    /// <returns>Maps with a background channel (label id 0) first.</returns>
    public ClassMaps PowerScores(ClassMaps cams, double alpha) => ScoreLabels.Stack(cams, new BackgroundRule.Power(alpha));

    /// <summary>IRN's random walk: propagates stride-grid CAMs over an affinity, upsamples, and labels.</summary>
    /// <param name="strideCams">Foreground maps on the stride grid (IRN's <c>cam</c>, (C, ceil(H/4), ceil(W/4))).</param>
    /// <param name="affinity">A boundary, feature, image or dense-matrix affinity on the same grid.</param>
    /// <param name="imageHeight">Full image height.</param>
    /// <param name="imageWidth">Full image width.</param>
    /// <param name="options">β, exp_times, radius, background threshold (IRN defaults when null).</param>
    /// <returns>Labels and the normalised full-resolution scores.</returns>
    public RandomWalkResult RandomWalk(ClassMaps strideCams, RandomWalkAffinity affinity, int imageHeight, int imageWidth, RandomWalkOptions? options = null) =>
        RandomWalker.RefineIrn(strideCams, affinity, imageHeight, imageWidth, options ?? RandomWalkOptions.Irn, Backend);

    /// <summary>The training-free affinity of the facade's random walk: colour and position similarity at the stride.</summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="stride">The CAM grid's stride (IRN 4).</param>
    /// <param name="radius">Neighbourhood radius (IRN 5).</param>
    /// <returns>An affinity on the (ceil(H/stride), ceil(W/stride)) grid.</returns>
    public static RandomWalkAffinity ImageAffinity(RgbImage image, int stride = 4, int radius = 5) =>
        WsssGpuRefine.RandomWalk.ImageAffinity.FromImage(image, stride, radius);

    /// <summary>Dense CRF of score maps (which carry their background channel) with a preset such as "irn" or "psa".</summary>
    /// <param name="image">The RGB image, same size as the maps.</param>
    /// <param name="scores">Score maps with VOC label ids, background channel included.</param>
    /// <param name="preset">A preset name (see <see cref="CrfParameters.PresetNames"/>).</param>
    /// <returns>VOC ids per pixel (255 where the preset marks pixels unsure).</returns>
    public LabelMap Crf(RgbImage image, ClassMaps scores, string preset) => Crf(image, scores, CrfParameters.Preset(preset));

    /// <summary>Dense CRF with explicit parameters.</summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="scores">Score maps with their background channel.</param>
    /// <param name="parameters">Kernels, unary and iterations.</param>
    /// <returns>VOC ids per pixel.</returns>
    public LabelMap Crf(RgbImage image, ClassMaps scores, CrfParameters parameters) =>
        CrfStep.Refine(Backend, image, scores, parameters).Labels;

    /// <summary>Runs a whole recipe (the steps <c>wsss refine</c> runs) on one image.</summary>
    /// <param name="recipe">The steps, e.g. <c>new RecipeOptions { Rule = new BackgroundRule.Constant(0.25), Crf = CrfParameters.Preset("irn") }.Build()</c>.</param>
    /// <param name="input">The image's CAMs and what the steps read (RGB image, stride CAMs, ICD scores).</param>
    /// <returns>The labels and the final scores (the CRF's marginals when a CRF runs last).</returns>
    public RecipeOutput Refine(Recipe recipe, RecipeInput input)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return recipe.Run(Backend, input);
    }

    /// <summary>IRN's confident-region label: 255 where the fg- and bg-confident CRFs disagree.</summary>
    /// <param name="image">The RGB image.</param>
    /// <param name="cams">Full-resolution foreground maps.</param>
    /// <param name="foregroundThreshold">t_fg (IRN 0.30).</param>
    /// <param name="backgroundThreshold">t_bg (IRN 0.05).</param>
    /// <returns>VOC ids, 255 where unsure.</returns>
    public LabelMap IrLabel(RgbImage image, ClassMaps cams, float foregroundThreshold = 0.30f, float backgroundThreshold = 0.05f) =>
        IrLabelRecipe.Run(Backend, image, cams, new IrLabelOptions { FgThreshold = foregroundThreshold, BgThreshold = backgroundThreshold });

    /// <summary>Scores predictions against ground truth with one of the seed methods' metrics.</summary>
    /// <param name="pairs">(prediction, ground truth) pairs of equal size.</param>
    /// <param name="metric">chainercv (default), seam, gt-present, wsgcn or icd.</param>
    /// <param name="classes">Number of classes including background.</param>
    /// <returns>mIoU and per-class IoU.</returns>
    public MetricResult Score(IEnumerable<(LabelMap Predicted, LabelMap GroundTruth)> pairs, SegmentationMetric metric = SegmentationMetric.Chainercv, int classes = 21)
    {
        var list = pairs.Select(p => new LabelPair(p.Predicted, p.GroundTruth)).ToArray();
        var confusion = ConfusionCounting.Count(Backend, list, new ConfusionOptions(classes, SegmentationMetrics.PredictedIgnoreFor(metric)));
        return SegmentationMetrics.Compute(confusion, metric);
    }

    /// <summary>Starts an exact one-pass threshold sweep; add batches with <see cref="AddToSweep"/>.</summary>
    /// <param name="thresholds">Thresholds in any order.</param>
    /// <param name="classes">Number of classes including background.</param>
    /// <returns>An accumulator whose <see cref="ThresholdSweep.ConfusionAt"/> gives each threshold's matrix.</returns>
    public static ThresholdSweep NewSweep(IReadOnlyList<double> thresholds, int classes = 21) => new(thresholds, classes);

    /// <summary>Adds images to a sweep on this labeler's backend.</summary>
    /// <param name="sweep">The accumulator.</param>
    /// <param name="items">CAMs with their ground truth.</param>
    public void AddToSweep(ThresholdSweep sweep, IReadOnlyList<CamWithGroundTruth> items) => sweep.Add(Backend, items);

    /// <summary>Releases the backend if this labeler created it.</summary>
    public void Dispose()
    {
        if (_ownsBackend) Backend.Dispose();
    }
}
