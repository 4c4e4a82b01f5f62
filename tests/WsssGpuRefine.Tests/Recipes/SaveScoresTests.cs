using WsssGpuRefine.Backends;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Tests.Cli;

namespace WsssGpuRefine.Tests.Recipes;

public class SaveScoresTests
{
    [Fact]
    public void After_a_crf_the_saved_scores_are_the_crf_marginals_the_labels_come_from()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"),
            SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 2 }));
        var ids = File.ReadAllLines(layout.List);
        string output = tmp.Combine("out");
        RefineJob.Run(CpuBackend.Shared, new RefineOptions
        {
            Ids = ids, CamsDirectory = layout.IrnCams, ImagesDirectory = layout.Images, OutputDirectory = output,
            Rule = new BackgroundRule.Constant(0.25), Crf = CrfParameters.Preset("psa"), SaveScores = true,
        });
        foreach (string id in ids)
        {
            var labels = LabelPngReader.Read(Path.Combine(output, id + ".png"));
            var saved = NpyReader.Read(Path.Combine(output, id + ".npy"));
            var dump = DatasetInputs.ReadDump(DatasetInputs.CamPath(layout.IrnCams, id), null, null, labels.Height, labels.Width);
            int[] keys = ScoreLabels.Keys(dump.HighRes);
            int n = labels.PixelCount, c = keys.Length;
            Assert.Equal(new[] { c, labels.Height, labels.Width }, saved.Shape);
            var q = saved.ToFloat32();
            // Marginals: every pixel sums to 1, and the label is the VOC id of the largest; the pre-CRF stack would hold
            // a constant 0.25 background channel instead.
            Assert.Contains(q.Take(n), v => v != 0.25f);
            for (int p = 0; p < n; p++)
            {
                float sum = 0, best = float.NegativeInfinity;
                int arg = 0;
                for (int k = 0; k < c; k++)
                {
                    float v = q[k * n + p];
                    sum += v;
                    if (v > best) (best, arg) = (v, k);
                }
                Assert.InRange(sum, 0.999f, 1.001f);
                Assert.Equal(keys[arg], labels.Labels[p]);
            }
        }
    }
}
