using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// Last step: the dense CRF (<see cref="DenseCrf"/>) of the score stack the previous step built (its unary from the
/// parameters: scores, softmax, or labels from the stack's argmax), labels mapped to VOC ids through the stack's
/// keys; the CRF's marginals become the recipe's final scores. After ICD seeds (no stack), ICD's seed CRF.
/// </summary>
/// <param name="parameters">A preset or explicit parameters.</param>
/// <param name="seedLabels">Labels of a seed CRF (21 for VOC): the number of CRF labels when the CRF runs on a seed map.</param>
public sealed class CrfStep(CrfParameters parameters, int seedLabels = 21) : CrfRecipeStep
{
    /// <summary>The CRF's kernels, unary and iterations.</summary>
    public CrfParameters Parameters { get; } = parameters ?? throw new ArgumentNullException(nameof(parameters));

    /// <inheritdoc/>
    public override string Name => "crf";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        if (state.Scores is { } scores)
        {
            (state.Labels, state.Scores) = Refine(backend, state.Image, scores, Parameters);
            return;
        }
        var seeds = state.Labels ?? throw new InvalidOperationException("the CRF step follows a step that gave neither scores nor labels");
        state.Labels = DenseCrf.RefineSeeds(backend, state.Image, seeds, Parameters, seedLabels).LabelIndexMap();
    }

    /// <summary>The CRF of a stack that holds its background channel: VOC ids and the marginals (same label ids).</summary>
    internal static (LabelMap Labels, ClassMaps Marginals) Refine(ComputeBackend backend, RgbImage image, ClassMaps scores, CrfParameters parameters)
    {
        var result = DenseCrf.Refine(backend, image, scores, parameters);
        return (result.ToLabelMap(scores.LabelIds),
            new ClassMaps((int[])scores.LabelIds.Clone(), result.Height, result.Width, result.Marginals));
    }
}
