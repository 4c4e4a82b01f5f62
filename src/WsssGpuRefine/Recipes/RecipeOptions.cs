using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Recipes;

/// <summary>What is wrong with a set of recipe options; front ends map it to their own words (the CLI to flag names).</summary>
public enum RecipeProblem
{
    /// <summary>The image list is empty.</summary>
    NoImageIds,
    /// <summary>More than one of: a background rule, ir_label, la/ha, ICD seeds.</summary>
    TwoFirstSteps,
    /// <summary>ICD seeds and a random walk together (ICD has no random walk).</summary>
    IcdSeedsWithRandomWalk,
    /// <summary>ICD seeds with a CRF whose unary is not the ICD seed unary.</summary>
    IcdSeedsNeedIcdCrf,
    /// <summary>ir_label or la/ha (the random walk's training labels) together with a random walk.</summary>
    TrainingLabelsWithRandomWalk,
    /// <summary>No first step at all.</summary>
    NoFirstStep,
    /// <summary>A constant background rule with a random walk (the walk has its own background threshold).</summary>
    ConstantBackgroundWithRandomWalk,
    /// <summary>The recipe reads RGB images and no image folder was given.</summary>
    NeedsImages,
    /// <summary>A CRF with the ICD seed unary and no ICD scores.</summary>
    IcdCrfNeedsSeeds,
    /// <summary>The class count is outside 2..255.</summary>
    ClassCount,
    /// <summary>A la/ha pooling stride without la/ha labels, or one below 1.</summary>
    LaHaStride,
    /// <summary>The labels before the CRF were asked for, but no CRF follows a step that gives scores (threshold, walk, stored background).</summary>
    LabelsBeforeCrf,
}

/// <summary>Recipe options that do not fit together.</summary>
/// <param name="problem">What is wrong.</param>
/// <param name="message">The problem in the library's terms.</param>
public sealed class RecipeOptionsException(RecipeProblem problem, string message) : ArgumentException(message)
{
    /// <summary>What is wrong, for a front end to word in its own terms.</summary>
    public RecipeProblem Problem { get; } = problem;
}

/// <summary>
/// The steps a recipe is made of, as options: one first step (a background rule, IRN's ir_label, PSA's la/ha, ICD's
/// seeds or a random walk, which a power background rule parametrises), then an optional CRF. <see cref="Build"/>
/// checks them and orders the steps.
/// </summary>
public sealed record RecipeOptions
{
    /// <summary>A constant or power background, thresholded (with a random walk: a power rule sets AffinityNet's α).</summary>
    public BackgroundRule? Rule { get; init; }
    /// <summary>IRN's ir_label (its CRF included).</summary>
    public IrLabelOptions? IrLabel { get; init; }
    /// <summary>PSA's la/ha labels (their CRFs included).</summary>
    public PsaLaHaOptions? LaHa { get; init; }
    /// <summary>
    /// AffinityNet's training grid for <see cref="LaHa"/>: 1 keeps the image's size; 8 pools the la/ha CRFs as PSA's
    /// train_aff.py does (<see cref="AffinityLabelStep"/>).
    /// </summary>
    public int LaHaStride { get; init; } = 1;
    /// <summary>RRM's reliable regions (their la/ha CRFs included; <see cref="ReliableRegionStep"/>).</summary>
    public ReliableRegionOptions? ReliableRegions { get; init; }
    /// <summary>WSGCN's partial labels at stride 4 with this rule (<see cref="WsgcnPartialLabelStep"/>; needs IRN's stride-4 CAMs).</summary>
    public ReliableRegionOptions? WsgcnPartialLabels { get; init; }
    /// <summary>BES's boundary labels (0/50/100/150/200) from its ir_label (<see cref="BesBoundaryLabelStep"/>).</summary>
    public BesBoundaryOptions? BesBoundary { get; init; }
    /// <summary>ICD's seeds from <see cref="RecipeInput.IcdScores"/>.</summary>
    public bool IcdSeeds { get; init; }
    /// <summary>The dump's own [bg; M] stack as the first step (<see cref="StoredBackgroundStep"/>): bg+fg dicts.</summary>
    public bool StoredBackground { get; init; }
    /// <summary>The random walk's affinity per image (null = no random walk).</summary>
    public AffinityLoader? RandomWalkAffinity { get; init; }
    /// <summary>True when <see cref="RandomWalkAffinity"/> reads the RGB image.</summary>
    public bool RandomWalkAffinityNeedsImage { get; init; }
    /// <summary>
    /// True when the AffinityNet walk lowers its radius on maps too small for it, as AffinityNet's own network does on
    /// its feature maps (YudeWang/SEAM network/resnet38_aff.py:47-48).
    /// </summary>
    public bool RandomWalkLowersRadius { get; init; }
    /// <summary>Random-walk parameters (IRN defaults).</summary>
    public RandomWalkOptions RandomWalk { get; init; } = RandomWalkOptions.Irn;
    /// <summary>A last CRF step (null = none); with ir_label or la/ha it replaces the CRF of their options.</summary>
    public CrfParameters? Crf { get; init; }
    /// <summary>CRF labels of a seed CRF (ICD): label classes including background (21 for VOC).</summary>
    public int Classes { get; init; } = 21;
    /// <summary>
    /// Also give the labels of the step before the CRF (<see cref="RecipeOutput.LabelsBeforeCrf"/>), as BES saves both
    /// (mt-cly/BES step/make_sem_seg.py:52-60: the walk's <c>ID.png</c>, the CRF's <c>ID_crf.png</c>). Needs a
    /// <see cref="Crf"/> after a threshold, a random walk or the stored background.
    /// </summary>
    public bool KeepLabelsBeforeCrf { get; init; }

    /// <summary>True when a step reads the RGB image.</summary>
    public bool NeedsImage => Crf is not null || OwnsCrf
                              || (RandomWalkAffinity is not null && RandomWalkAffinityNeedsImage);

    /// <summary>Checks that the options fit together and orders the steps.</summary>
    /// <returns>The recipe.</returns>
    /// <exception cref="RecipeOptionsException">The options do not fit together.</exception>
    public Recipe Build()
    {
        Check();
        var steps = new List<RecipeStep>();
        // ir_label and la/ha run their own CRFs: a CRF given beside them is theirs.
        if (IrLabel is { } irLabel) steps.Add(new IrLabelStep(Crf is null ? irLabel : irLabel with { Crf = Crf }));
        else if (LaHa is { } laHa)
        {
            var withCrf = Crf is null ? laHa : laHa with { Crf = Crf };
            steps.Add(LaHaStride == 1 ? new LaHaStep(withCrf) : new AffinityLabelStep(withCrf, LaHaStride));
        }
        else if (ReliableRegions is { } rrm) steps.Add(new ReliableRegionStep(WithCrf(rrm)));
        else if (WsgcnPartialLabels is { } wsgcn) steps.Add(new WsgcnPartialLabelStep(WithCrf(wsgcn)));
        else if (BesBoundary is { } bes) steps.Add(new BesBoundaryLabelStep(Crf is null ? bes : bes with { IrLabel = bes.IrLabel with { Crf = Crf } }));
        else if (IcdSeeds) steps.Add(new IcdSeedStep());
        else if (RandomWalkAffinity is { } affinity)
        {
            var walk = Rule is BackgroundRule.Power power
                ? RandomWalk with { Recipe = RandomWalkRecipe.AffinityNet, BackgroundAlpha = (float)power.Alpha }
                : RandomWalk;
            steps.Add(new RandomWalkStep(affinity, walk, RandomWalkAffinityNeedsImage) { LowersRadius = RandomWalkLowersRadius });
        }
        else if (StoredBackground) steps.Add(new StoredBackgroundStep());
        else steps.Add(new ThresholdStep(Rule!));
        if (Crf is { } crf && !OwnsCrf) steps.Add(new CrfStep(crf, Classes));
        return new Recipe(steps) { KeepsLabelsBeforeCrf = KeepLabelsBeforeCrf };
    }

    /// <summary>True when the first step runs its own CRFs, so a CRF given beside it is theirs.</summary>
    private bool OwnsCrf => IrLabel is not null || LaHa is not null || ReliableRegions is not null || WsgcnPartialLabels is not null || BesBoundary is not null;

    private ReliableRegionOptions WithCrf(ReliableRegionOptions options) =>
        Crf is null ? options : options with { LaHa = options.LaHa with { Crf = Crf } };

    /// <summary>The checks of <see cref="Build"/>, in the order a front end reports them.</summary>
    internal void Check()
    {
        if (new object?[] { Rule, IrLabel, LaHa, ReliableRegions, WsgcnPartialLabels, BesBoundary, IcdSeeds ? true : null, StoredBackground ? true : null }.Count(x => x is not null) > 1)
            throw Problem(RecipeProblem.TwoFirstSteps, "give one first step: a background rule, ir_label, la/ha, reliable regions, WSGCN partial labels, BES boundary labels, ICD seeds or the stored background");
        if (LaHaStride < 1 || (LaHaStride != 1 && LaHa is null))
            throw Problem(RecipeProblem.LaHaStride, "a la/ha pooling stride applies to la/ha labels only and must be at least 1");
        if (IcdSeeds && RandomWalkAffinity is not null)
            throw Problem(RecipeProblem.IcdSeedsWithRandomWalk, "ICD seeds do not combine with a random walk (ICD has no random walk)");
        if (IcdSeeds && Crf is not null && Crf.Unary != CrfUnaryKind.IcdSeeds)
            throw Problem(RecipeProblem.IcdSeedsNeedIcdCrf, "ICD seeds take a CRF with the ICD seed unary (the icd preset, or unary=icd:CONF)");
        if (OwnsCrf && RandomWalkAffinity is not null)
            throw Problem(RecipeProblem.TrainingLabelsWithRandomWalk, "ir_label, la/ha, reliable regions and partial labels are training labels; they do not combine with a random walk");
        if (StoredBackground && RandomWalkAffinity is not null)
            throw Problem(RecipeProblem.TwoFirstSteps, "the stored background does not combine with a random walk");
        if (Rule is null && !OwnsCrf && !IcdSeeds && !StoredBackground && RandomWalkAffinity is null)
            throw Problem(RecipeProblem.NoFirstStep, "a recipe needs a first step: a background rule, ir_label, la/ha, ICD seeds or a random walk");
        if (Rule is BackgroundRule.Constant && RandomWalkAffinity is not null)
            throw Problem(RecipeProblem.ConstantBackgroundWithRandomWalk,
                "a constant background rule does not apply to a random walk; the walk's background is RandomWalkOptions.BackgroundThreshold");
        if (KeepLabelsBeforeCrf && (Crf is null || OwnsCrf || IcdSeeds))
            throw Problem(RecipeProblem.LabelsBeforeCrf,
                "the labels before the CRF need a CRF after a threshold, a random walk or the stored background");
    }

    /// <summary>The checks that need to know whether ICD scores and images are at hand (a job's folders).</summary>
    internal void CheckInputs(bool hasImages, bool hasIcdScores)
    {
        if (NeedsImage && !hasImages)
            throw Problem(RecipeProblem.NeedsImages, "this recipe needs the RGB images (CRF, ir_label, la/ha or an image affinity)");
        if (Crf?.Unary == CrfUnaryKind.IcdSeeds && !hasIcdScores)
            throw Problem(RecipeProblem.IcdCrfNeedsSeeds, "the ICD seed CRF runs on ICD seed maps: give the ICD scores");
        if (Classes is < 2 or > 255) throw Problem(RecipeProblem.ClassCount, "the class count must be in 2..255");
    }

    internal static RecipeOptionsException Problem(RecipeProblem problem, string message) => new(problem, message);
}
