using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Recipes;

/// <summary>Gives the affinity of one image on its <paramref name="gridHeight"/> x <paramref name="gridWidth"/> stride grid.</summary>
/// <param name="input">The image's inputs (id, RGB image).</param>
/// <param name="gridHeight">Grid rows, ceil(H / stride).</param>
/// <param name="gridWidth">Grid columns, ceil(W / stride).</param>
/// <param name="options">The walk's parameters (stride, radius).</param>
/// <returns>The affinity on that grid.</returns>
public delegate RandomWalkAffinity AffinityLoader(RecipeInput input, int gridHeight, int gridWidth, RandomWalkOptions options);

/// <summary>
/// First step: the affinity random walk (<see cref="RandomWalker"/>). IRN recipe: the dump's stride-4 <c>cam</c>
/// (or the full-resolution CAM pooled to the stride) is walked, upsampled and normalised, and the constant
/// background threshold is put under it. AffinityNet recipe: the full-resolution stack with PSA's power background
/// is walked. Labels are computed only when no CRF follows.
/// </summary>
/// <param name="affinity">Where each image's affinity comes from.</param>
/// <param name="options">The walk's recipe and parameters.</param>
/// <param name="needsImage">True when <paramref name="affinity"/> reads the RGB image.</param>
public sealed class RandomWalkStep(AffinityLoader affinity, RandomWalkOptions options, bool needsImage) : RecipeStep
{
    private readonly AffinityLoader _affinity = affinity ?? throw new ArgumentNullException(nameof(affinity));

    /// <summary>The walk's recipe and parameters.</summary>
    public RandomWalkOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <inheritdoc/>
    public override string Name => "random-walk";

    /// <inheritdoc/>
    public override bool NeedsImage { get; } = needsImage;

    /// <summary>
    /// True when the AffinityNet walk lowers its radius to (min side − 1) / 2 on a grid too small for it, as
    /// AffinityNet's network does on its feature maps (YudeWang/SEAM network/resnet38_aff.py:47-48;
    /// jiwoon-ahn/psa network/resnet38_aff.py:47 keeps 5).
    /// </summary>
    public bool LowersRadius { get; init; }

    /// <summary>The training-free affinity of the RGB image (colour and position similarity at the stride).</summary>
    public static AffinityLoader ImageAffinity { get; } = (input, _, _, o) =>
        WsssGpuRefine.RandomWalk.ImageAffinity.FromImage(
            input.Image ?? throw new WsssInputException(input.File, "the image affinity needs the RGB image"), o.Stride, o.Radius);

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        var cams = state.Foreground;
        var input = state.Input;
        if (Options.Recipe == RandomWalkRecipe.AffinityNet)
        {
            int gh = (cams.Height + Options.Stride - 1) / Options.Stride, gw = (cams.Width + Options.Stride - 1) / Options.Stride;
            var options = Options;
            int smallSide = Math.Min(gh, gw);
            if (LowersRadius && smallSide < 2 * options.Radius + 1 && (smallSide - 1) / 2 >= RandomWalkDirections.MinRadius)
                options = options with { Radius = (smallSide - 1) / 2 };
            var scores = RandomWalker.AffinityNetScores(cams, _affinity(input, gh, gw, options), options, backend, input.File);
            state.Scores = scores;
            state.Saved[Name] = scores;
            if (last) state.Labels = RandomWalker.AffinityNetLabels(scores);
            return;
        }
        // IRN propagates the dump's own stride-4 map where it has one; otherwise the full-resolution CAM is pooled.
        var grid = input.StrideCams?.ForegroundOnly() ?? RandomWalker.PoolToStride(cams, Options.Stride);
        var walked = RandomWalker.IrnScores(grid, _affinity(input, grid.Height, grid.Width, Options), cams.Height, cams.Width,
            Options, backend, input.File);
        state.Scores = ScoreLabels.Stack(walked, new BackgroundRule.Constant(Options.BackgroundThreshold));
        state.Saved[Name] = state.Scores;
        if (last) state.Labels = RandomWalker.IrnLabels(walked, Options);
    }
}
