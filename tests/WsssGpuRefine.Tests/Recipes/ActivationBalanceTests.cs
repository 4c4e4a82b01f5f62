using WsssGpuRefine.Confusion;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Metrics;

namespace WsssGpuRefine.Tests.Recipes;

/// <summary>Puzzle-CAM's over/under report against numpy's rendering of evaluate.py (Fixtures/methods/make_over_under.py).</summary>
public class ActivationBalanceTests
{
    private static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "methods", name);

    [Fact]
    public void MatchesPuzzleCamEvaluate()
    {
        var c = NpyReader.Read(Path("over_under_confusion.npy"));
        int n = c.Shape[0], k = c.Shape[1];
        var values = c.ToFloat32();
        var confusions = Enumerable.Range(0, n)
            .Select(i => new ConfusionMatrix(k, [.. values.Skip(i * k * k).Take(k * k).Select(v => (long)v)])).ToArray();
        var thresholds = Enumerable.Range(0, n).Select(i => 0.05 + 0.05 * i).ToArray();
        var balance = ActivationBalance.From(thresholds, confusions);
        var expected = NpyReader.Read(Path("over_under.npy")).ToFloat32();
        var rows = new[] { balance.Best, balance.Over, balance.Under };
        for (int r = 0; r < 3; r++)
        {
            Assert.Equal(expected[r * 3], rows[r].Threshold, 1e-6);
            Assert.Equal(expected[r * 3 + 1], rows[r].MeanIou, 1e-4);
            Assert.Equal(expected[r * 3 + 2], rows[r].FalsePositive, 1e-6);
        }
        Assert.NotEqual(balance.Over.Threshold, balance.Under.Threshold);
    }
}
