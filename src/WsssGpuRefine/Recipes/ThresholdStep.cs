using WsssGpuRefine.Backends;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// First step: the background rule's stack [bg; M] (IRN/SEAM constant threshold, PSA power background) and, when
/// nothing follows, its argmax labels (<see cref="ScoreLabels"/>).
/// </summary>
/// <param name="rule">The background rule.</param>
public sealed class ThresholdStep(BackgroundRule rule) : RecipeStep
{
    /// <summary>The background rule.</summary>
    public BackgroundRule Rule { get; } = rule ?? throw new ArgumentNullException(nameof(rule));

    /// <inheritdoc/>
    public override string Name => "threshold";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        state.Scores = ScoreLabels.Stack(state.Foreground, Rule);
        if (last) state.Labels = ScoreLabels.Label(state.Foreground, Rule);
    }
}
