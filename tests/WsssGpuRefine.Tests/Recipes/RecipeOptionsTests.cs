using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Labels;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Recipes;

namespace WsssGpuRefine.Tests.Recipes;

public class RecipeOptionsTests
{
    private static readonly AffinityLoader Affinity = RandomWalkStep.ImageAffinity;
    private static readonly CrfParameters Irn = CrfParameters.Preset("irn");

    [Fact]
    public void Steps_run_first_step_then_crf()
    {
        Assert.Equal("threshold", new RecipeOptions { Rule = new BackgroundRule.Constant(0.15) }.Build().ToString());
        Assert.Equal("threshold → crf", new RecipeOptions { Rule = new BackgroundRule.Constant(0.25), Crf = Irn }.Build().ToString());
        Assert.Equal("random-walk → crf", new RecipeOptions { RandomWalkAffinity = Affinity, Crf = Irn }.Build().ToString());
        Assert.Equal("icd-seeds → crf", new RecipeOptions { IcdSeeds = true, Crf = CrfParameters.Preset("icd") }.Build().ToString());
        // ir_label and la/ha run their own CRFs; a CRF given beside them becomes theirs.
        var irLabel = new RecipeOptions { IrLabel = new IrLabelOptions(), Crf = CrfParameters.Preset("bes") }.Build();
        Assert.Equal("bes", Assert.IsType<IrLabelStep>(Assert.Single(irLabel.Steps)).Options.Crf.Name);
        var laHa = new RecipeOptions { LaHa = new PsaLaHaOptions { AlphaHigh = 24 } }.Build();
        Assert.Equal("psa", Assert.IsType<LaHaStep>(Assert.Single(laHa.Steps)).Options.Crf.Name);
    }

    [Fact]
    public void A_power_rule_with_a_random_walk_is_affinitynets_alpha()
    {
        var walk = Assert.IsType<RandomWalkStep>(Assert.Single(
            new RecipeOptions { Rule = new BackgroundRule.Power(6), RandomWalkAffinity = Affinity }.Build().Steps)).Options;
        Assert.Equal((RandomWalkRecipe.AffinityNet, 6f), (walk.Recipe, walk.BackgroundAlpha));
    }

    public static TheoryData<string, RecipeProblem> Problems => new()
    {
        { "rule+irlabel", RecipeProblem.TwoFirstSteps },
        { "icd+rw", RecipeProblem.IcdSeedsWithRandomWalk },
        { "icd+irn-crf", RecipeProblem.IcdSeedsNeedIcdCrf },
        { "laha+rw", RecipeProblem.TrainingLabelsWithRandomWalk },
        { "crf only", RecipeProblem.NoFirstStep },
        { "constant+rw", RecipeProblem.ConstantBackgroundWithRandomWalk },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Options_that_do_not_fit_name_their_problem_in_library_terms(string options, RecipeProblem problem)
    {
        var o = options switch
        {
            "rule+irlabel" => new RecipeOptions { Rule = new BackgroundRule.Constant(0.1), IrLabel = new IrLabelOptions() },
            "icd+rw" => new RecipeOptions { IcdSeeds = true, RandomWalkAffinity = Affinity },
            "icd+irn-crf" => new RecipeOptions { IcdSeeds = true, Crf = Irn },
            "laha+rw" => new RecipeOptions { LaHa = new PsaLaHaOptions(), RandomWalkAffinity = Affinity },
            "crf only" => new RecipeOptions { Crf = Irn },
            _ => new RecipeOptions { Rule = new BackgroundRule.Constant(0.1), RandomWalkAffinity = Affinity },
        };
        var e = Assert.Throws<RecipeOptionsException>(() => o.Build());
        Assert.Equal(problem, e.Problem);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void A_step_that_must_be_last_cannot_be_followed()
    {
        Assert.Throws<ArgumentException>(() => new Recipe([new CrfStep(Irn), new ThresholdStep(new BackgroundRule.Constant(0.1))]));
        Assert.Throws<ArgumentException>(() => new Recipe([]));
    }

    /// <summary>Records what the step before it left: a step that is not last hands on scores, never labels.</summary>
    private sealed class Probe : RecipeStep
    {
        public ClassMaps? Scores;
        public LabelMap? Labels;

        public override string Name => "probe";

        internal override void Run(ComputeBackend backend, RecipeState state, bool last)
        {
            (Scores, Labels) = (state.Scores, state.Labels);
            state.Labels = new LabelMap(state.Foreground.Height, state.Foreground.Width);
        }
    }

    [Fact]
    public void Labels_are_computed_only_by_the_last_step()
    {
        var probe = new Probe();
        var cams = new ClassMaps([3], 1, 2, [0.5f, 0.1f]);
        var timed = new List<string>();
        new Recipe([new ThresholdStep(new BackgroundRule.Constant(0.25)), probe]).Run(CpuBackend.Shared, new RecipeInput(cams), (name, _) => timed.Add(name));
        Assert.Null(probe.Labels);
        Assert.Equal([0.25f, 0.25f, 0.5f, 0.1f], probe.Scores!.Data);
        Assert.Equal(["threshold", "probe"], timed);
        // Last, the same step labels: 0.5 > 0.25 → 3, 0.1 → background.
        Assert.Equal([3, 0], new Recipe([new ThresholdStep(new BackgroundRule.Constant(0.25))]).Run(CpuBackend.Shared, new RecipeInput(cams)).Labels.Labels);
    }
}
