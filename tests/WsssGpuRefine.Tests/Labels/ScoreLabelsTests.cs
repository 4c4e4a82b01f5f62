using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Tests.Labels;

public class ScoreLabelsTests
{
    // 1x4, a stored background channel (dropped), classes 7 and 9:
    //   pixel 0: 7 = 9 = 0.5   pixel 1: max 0.25   pixel 2: 7 = 0.75   pixel 3: 9 = 0.5 > 7 = 0.25
    private static readonly ClassMaps Cams = new([0, 7, 9], 1, 4,
    [
        9f, 9f, 9f, 9f,
        0.5f, 0.25f, 0.75f, 0.25f,
        0.5f, 0.125f, 0.25f, 0.5f,
    ]);

    [Fact]
    public void KeysPutTheBackgroundFirstAndSkipAStoredOne() =>
        Assert.Equal([0, 7, 9], ScoreLabels.Keys(Cams));

    [Fact]
    public void PowerStackHoldsOneMinusTheMaxSquaredThenTheClasses()
    {
        // alpha 2: (1 - 0.5)^2 = 0.25, (1 - 0.25)^2 = 0.5625, (1 - 0.75)^2 = 0.0625, (1 - 0.5)^2 = 0.25 (all exact in float32).
        var stack = ScoreLabels.Stack(Cams, new BackgroundRule.Power(2));
        Assert.Equal([0, 7, 9], stack.LabelIds);
        Assert.Equal([0.25f, 0.5625f, 0.0625f, 0.25f, 0.5f, 0.25f, 0.75f, 0.25f, 0.5f, 0.125f, 0.25f, 0.5f], stack.Data);
    }

    [Fact]
    public void ArgmaxTiesGoToTheBackgroundThenToTheFirstClass()
    {
        var power = new BackgroundRule.Power(2);
        // pixel 0: 0.5 > 0.25, 7 and 9 tie → 7; pixel 1: 0.25 < 0.5625 → bg; pixel 2: 7; pixel 3: 9.
        Assert.Equal([7, 0, 7, 9], ScoreLabels.Label(Cams, power).Labels);
        Assert.Equal([1, 0, 1, 2], ScoreLabels.Indices(Cams, power).Labels);
        // Constant 0.5: pixels 0 and 3 tie with the background, which wins.
        Assert.Equal([0, 0, 7, 0], ScoreLabels.Label(Cams, new BackgroundRule.Constant(0.5)).Labels);
        Assert.Equal([7, 0, 7, 9], ScoreLabels.Label(Cams, new BackgroundRule.Constant(0.3)).Labels);
    }

    [Fact]
    public void ConstantIsRoundedToFloat32BeforeTheComparison()
    {
        // 0.15 is 0.150000006 in float32: a score of exactly float32(0.15) ties (background), the next float wins.
        float next = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(0.15f) + 1);
        var cams = new ClassMaps([4], 1, 2, [0.15f, next]);
        Assert.Equal([0, 4], ScoreLabels.Label(cams, new BackgroundRule.Constant(0.15)).Labels);
        Assert.Equal(0.15f, ScoreLabels.Stack(cams, new BackgroundRule.Constant(0.15)).Data[0]);
    }

    [Fact]
    public void NoClassGivesACertainBackground()
    {
        var none = new ClassMaps([], 1, 2, []);
        Assert.Equal([1f, 1f], ScoreLabels.Stack(none, new BackgroundRule.Power(4)).Data);
        Assert.Equal([0, 0], ScoreLabels.Label(none, new BackgroundRule.Power(4)).Labels);
    }
}
