using System.Diagnostics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Recipes;

/// <summary>One image's inputs to a <see cref="Recipe"/>.</summary>
/// <param name="Cams">Full-resolution CAMs (C, H, W) with VOC label ids; a stored background channel is dropped.</param>
public sealed record RecipeInput(ClassMaps Cams)
{
    /// <summary>The image id (names the affinity files of a random walk and the image in messages).</summary>
    public string Id { get; init; } = "";
    /// <summary>The file the CAMs came from, named in input errors; null for in-memory maps.</summary>
    public string? File { get; init; }
    /// <summary>The RGB image, the CAMs' size; the CRF, ir_label, la/ha and an image affinity need it.</summary>
    public RgbImage? Image { get; init; }
    /// <summary>The file <see cref="Image"/> came from, named in errors the image's pixels cause; null for in-memory images.</summary>
    public string? ImageFile { get; init; }
    /// <summary>IRN's stride-4 <c>cam</c> where the dump holds one; without it the IRN walk pools <see cref="Cams"/>.</summary>
    public ClassMaps? StrideCams { get; init; }
    /// <summary>ICD's scores (<c>scores_icd</c>) of the same classes and size, for the ICD seed step.</summary>
    public ClassMaps? IcdScores { get; init; }
}

/// <summary>What a recipe gives for one image.</summary>
/// <param name="Labels">VOC ids per pixel, 255 where the recipe leaves a pixel unsure.</param>
/// <param name="Scores">
/// The final scores, background channel first (label ids per channel): the CRF's marginals when a CRF ran last,
/// else the stack the last step built; null where the recipe has no single score stack (ir_label, la/ha, ICD seeds).
/// </param>
public sealed record RecipeOutput(LabelMap Labels, ClassMaps? Scores)
{
    /// <summary>
    /// Score stacks of single steps, by name, for writers that save them beside the final scores: the random walk's
    /// scores under "random-walk" (before a CRF), la/ha's two CRFs under <see cref="LaHaStep.LowSaved"/> and
    /// <see cref="LaHaStep.HighSaved"/>.
    /// </summary>
    public IReadOnlyDictionary<string, ClassMaps> Saved { get; init; } = new Dictionary<string, ClassMaps>();

    /// <summary>
    /// The labels of the step before the CRF (VOC ids; null unless <see cref="Recipe.KeepsLabelsBeforeCrf"/>): BES's
    /// walk labels, which it saves as <c>ID.png</c> beside the CRF's <c>ID_crf.png</c>.
    /// </summary>
    public LabelMap? LabelsBeforeCrf { get; init; }
}

/// <summary>
/// A pseudo-label recipe as ordered steps, IRN-style (jiwoon-ahn/irn run_sample.py runs step/*.py in order): a first
/// step that turns CAMs into scores or labels (<see cref="ThresholdStep"/>, <see cref="IrLabelStep"/>,
/// <see cref="LaHaStep"/>, <see cref="IcdSeedStep"/>, <see cref="RandomWalkStep"/>), then optionally a
/// <see cref="CrfStep"/>. <c>wsss refine</c> (RefineJob), <c>wsss bench</c> (BenchRunner) and
/// <see cref="PseudoLabeler"/> run these same steps. A method's own step (e.g. RRM's reliable regions) is one more
/// <see cref="RecipeStep"/> in this folder, added to <see cref="RecipeOptions.Build"/>.
/// </summary>
public sealed class Recipe
{
    /// <summary>A recipe of the given steps, run in order.</summary>
    /// <param name="steps">At least one step; only the last may be one that ends a recipe (CRF, ir_label, la/ha).</param>
    /// <exception cref="ArgumentException">No step, or a step that must be last is followed by another.</exception>
    public Recipe(IReadOnlyList<RecipeStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) throw new ArgumentException("a recipe needs at least one step", nameof(steps));
        for (int i = 0; i < steps.Count - 1; i++)
            if (steps[i].EndsRecipe)
                throw new ArgumentException($"the {steps[i].Name} step must be the last", nameof(steps));
        Steps = [.. steps];
    }

    /// <summary>The steps in the order they run.</summary>
    public IReadOnlyList<RecipeStep> Steps { get; }

    /// <summary>
    /// True when <see cref="Run"/> also gives the labels of the step before the last, a CRF
    /// (<see cref="RecipeOutput.LabelsBeforeCrf"/>): that step then computes its labels as if it were last.
    /// </summary>
    /// <exception cref="ArgumentException">Set on a recipe whose last step is not a CRF after another step.</exception>
    public bool KeepsLabelsBeforeCrf
    {
        get;
        init => field = !value || (Steps.Count >= 2 && Steps[^1] is CrfStep) ? value
            : throw new ArgumentException("the labels before the CRF need a CRF step after another step", nameof(KeepsLabelsBeforeCrf));
    }

    /// <summary>True when a step needs the RGB image (<see cref="RecipeInput.Image"/>).</summary>
    public bool NeedsImage => Steps.Any(s => s.NeedsImage);

    /// <summary>"threshold → crf", for messages and reports.</summary>
    public override string ToString() => string.Join(" → ", Steps.Select(s => s.Name));

    /// <summary>Runs every step on one image.</summary>
    /// <param name="backend">Where the steps run (CPU or Vulkan).</param>
    /// <param name="input">The image's CAMs and whatever its steps need.</param>
    /// <param name="timed">Hears each step's name and its wall time in <see cref="Stopwatch"/> ticks.</param>
    /// <returns>The labels and the final scores.</returns>
    /// <exception cref="WsssInputException">
    /// The input does not fit the steps (sizes, missing image or maps), or the image's lattice coordinates over the CRF's
    /// kernel widths overflow the lattice keys.
    /// </exception>
    public RecipeOutput Run(ComputeBackend backend, RecipeInput input, Action<string, long>? timed = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(input);
        if (NeedsImage && input.Image is null)
            throw new WsssInputException(input.File, $"the {this} recipe needs the RGB image");
        var state = new RecipeState(input);
        LabelMap? beforeCrf = null;
        for (int i = 0; i < Steps.Count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                // Only the last step computes labels; earlier ones hand scores (or seeds) on. The step before the CRF
                // computes them too when they are kept.
                bool keep = KeepsLabelsBeforeCrf && i == Steps.Count - 2;
                Steps[i].Run(backend, state, last: i == Steps.Count - 1 || keep);
                if (keep) beforeCrf = state.Labels ?? throw new InvalidOperationException($"the {Steps[i].Name} step gave no labels");
            }
            catch (LatticeRangeException e)
            {
                // The image's extent and colours over the kernel widths: an input error of this image (a batch run
                // skips it with --keep-going), named by its file.
                throw new WsssInputException(input.ImageFile ?? input.File, e.Message, e);
            }
            timed?.Invoke(Steps[i].Name, Stopwatch.GetTimestamp() - start);
        }
        return new RecipeOutput(state.Labels ?? throw new InvalidOperationException($"the {Steps[^1].Name} step gave no labels"), state.Scores)
        {
            Saved = state.Saved,
            LabelsBeforeCrf = beforeCrf,
        };
    }
}

/// <summary>One step of a <see cref="Recipe"/>.</summary>
public abstract class RecipeStep
{
    private protected RecipeStep() { }

    /// <summary>The step's name, as the run manifest's per-stage seconds show it.</summary>
    public abstract string Name { get; }

    /// <summary>True when the step reads the RGB image.</summary>
    public virtual bool NeedsImage => false;

    /// <summary>True when nothing may follow the step (its output is labels only: CRF, ir_label, la/ha).</summary>
    internal virtual bool EndsRecipe => false;

    /// <summary>
    /// Reads <paramref name="state"/>, updates its scores and, when <paramref name="last"/> (the last step, or the one before
    /// a CRF whose input labels are kept), its labels.
    /// </summary>
    internal abstract void Run(ComputeBackend backend, RecipeState state, bool last);

    /// <summary>The step's name.</summary>
    public override string ToString() => Name;
}

/// <summary>A last step that runs CRFs on the RGB image and gives the recipe's final labels (CRF, ir_label, la/ha).</summary>
public abstract class CrfRecipeStep : RecipeStep
{
    private protected CrfRecipeStep() { }

    /// <inheritdoc/>
    public sealed override bool NeedsImage => true;

    internal sealed override bool EndsRecipe => true;
}

/// <summary>What the steps of one image hand on to each other.</summary>
internal sealed class RecipeState(RecipeInput input)
{
    public RecipeInput Input { get; } = input;
    /// <summary>The foreground CAMs (a stored background channel dropped).</summary>
    public ClassMaps Foreground { get; } = input.Cams.ForegroundOnly();
    /// <summary>The current score stack, background channel first; null where a step gave labels only.</summary>
    public ClassMaps? Scores { get; set; }
    /// <summary>The current labels (VOC ids); set by a last step or by a step whose output is labels.</summary>
    public LabelMap? Labels { get; set; }
    /// <summary>Score stacks of single steps kept for <see cref="RecipeOutput.Saved"/>.</summary>
    public Dictionary<string, ClassMaps> Saved { get; } = [];

    public RgbImage Image => Input.Image ?? throw new WsssInputException(Input.File, "this step needs the RGB image");
}
