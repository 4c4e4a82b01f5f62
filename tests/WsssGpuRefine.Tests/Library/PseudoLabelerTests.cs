using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Tests.Cli;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Library;

public class PseudoLabelerTests
{
    private static readonly IReadOnlyList<SyntheticItem> Items = SyntheticVocSample.Generate();

    [Fact]
    public void In_memory_scores_equal_the_file_based_eval_of_the_same_sample()
    {
        using var labeler = new PseudoLabeler(CpuBackend.Shared);
        var seeds = Items.Select(i => (labeler.Threshold(i.Cams, 0.15), i.GroundTruth)).ToList();
        double inMemory = labeler.Score(seeds).MeanIou;

        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Path, Items);
        var fromFiles = EvalJob.Run(CpuBackend.Shared, new EvalOptions
        {
            GroundTruthDirectory = layout.GroundTruth, Ids = Items.Select(i => i.Id).ToArray(), CamsDirectory = layout.IrnCams,
            Rule = new BackgroundRule.Constant(0.15),
        });
        Assert.Equal(fromFiles.MeanIou, inMemory, 12);
    }

    [Fact]
    public void Threshold_equals_the_operation_it_wraps()
    {
        using var labeler = new PseudoLabeler(CpuBackend.Shared);
        foreach (var item in Items.Take(4))
            Assert.Equal(ThresholdLabeling.Label(item.Cams, new BackgroundRule.Constant(0.2)).Labels, labeler.Threshold(item.Cams, 0.2).Labels);
    }

    [Fact]
    public void Random_walk_then_crf_lifts_the_seed_score_on_the_sample()
    {
        using var labeler = new PseudoLabeler(CpuBackend.Shared);
        var seeds = new List<(LabelMap, LabelMap)>();
        var refined = new List<(LabelMap, LabelMap)>();
        foreach (var item in Items.Take(6))
        {
            seeds.Add((labeler.Threshold(item.Cams, 0.15), item.GroundTruth));
            var walk = labeler.RandomWalk(item.LowResCams, PseudoLabeler.ImageAffinity(item.Image), item.Image.Height, item.Image.Width);
            refined.Add((labeler.Crf(item.Image, labeler.Scores(walk.Scores, 0.25), "irn"), item.GroundTruth));
        }
        Assert.True(labeler.Score(refined).MeanIou > labeler.Score(seeds).MeanIou + 0.10);
    }
}
