using System.Runtime.Intrinsics;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

public class FastExpTests
{
    [Fact]
    public void MatchesExpToAboutOneUlpOverTheSoftmaxRange()
    {
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.0137f)
        {
            var v8 = FastExp.Exp(Vector256.Create(x)).GetElement(3);
            var v4 = FastExp.Exp(Vector128.Create(x)).GetElement(1);
            double exact = Math.Exp(x);
            worst = Math.Max(worst, Math.Abs(v8 - exact) / exact);
            Assert.Equal(v8, v4);
        }
        Assert.True(worst < 3e-7, $"worst relative error {worst}");
    }

    [Fact]
    public void UnderflowAndPaddingGiveExactZeroAndZeroGivesOne()
    {
        Assert.Equal(0f, FastExp.Exp(Vector256.Create(float.NegativeInfinity)).GetElement(0));
        Assert.Equal(0f, FastExp.Exp(Vector128.Create(-100f)).GetElement(0));
        Assert.Equal(1f, FastExp.Exp(Vector256.Create(0f)).GetElement(7));
    }
}
