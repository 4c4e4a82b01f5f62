using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

public class CrfUnaryTests
{
    private static ClassMaps OnePixel(params float[] values) =>
        new(Enumerable.Range(0, values.Length).ToArray(), 1, 1, values);

    [Fact]
    public void ScoresAreClippedNegativeLogsWithoutSoftmax()
    {
        var u = CrfUnary.FromScores(OnePixel(0.5f, 0f, 1.5f, 1e-6f, 0.25f)).Energies;
        Assert.Equal(0.693147f, u[0], 5);
        Assert.Equal(11.512925f, u[1], 4);   // −log(1e-5)
        Assert.Equal(0f, u[2], 6);           // clipped to 1
        Assert.Equal(11.512925f, u[3], 4);
        Assert.Equal(1.386294f, u[4], 5);    // the stack need not sum to 1
    }

    [Fact]
    public void SoftmaxUnaryTakesARealSoftmaxFirst()
    {
        // softmax(0, ln 3) = (0.25, 0.75); softmax(-30, 0) clips the first to 1e-5.
        var maps = new ClassMaps([0, 1], 1, 2, [0f, -30f, MathF.Log(3f), 0f]);
        var u = CrfUnary.FromSoftmax(maps).Energies;
        Assert.Equal(1.386294f, u[0], 5);
        Assert.Equal(11.512925f, u[1], 4);
        Assert.Equal(0.287682f, u[2], 5);
        Assert.Equal(0f, u[3], 4);
    }

    [Fact]
    public void LabelUnaryMatchesUnaryFromLabelsWithoutZeroUnsure()
    {
        var labels = new LabelMap(1, 3, [0, 2, 1]);
        var u = CrfUnary.FromLabels(labels, 3, 0.7f).Energies;
        float on = 0.356675f, off = 1.897120f; // −log 0.7, −log(0.3/2)
        float[] expected = [on, off, off, off, off, on, off, on, off];
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], u[i], 5);
    }

    [Fact]
    public void NonFiniteEnergiesAreAnInputError()
    {
        Assert.Throws<WsssInputException>(() => new CrfUnary(2, 1, 1, [0.5f, float.PositiveInfinity]));
        Assert.Throws<WsssInputException>(() => new CrfUnary(2, 1, 1, [float.NaN, 1f]));
        Assert.Throws<WsssInputException>(() => CrfUnary.FromSoftmax(OnePixel(1f, float.NaN)));
    }

    [Fact]
    public void SingleLabelCrfIsCertain()
    {
        // An image with no class: the stack is the background alone.
        var image = new RgbImage(2, 2, new byte[12]);
        var maps = new ClassMaps([0], 2, 2, [0.3f, 0.9f, 0.1f, 0.5f]);
        foreach (var preset in new[] { "irn", "psa", "vwe" })
        {
            var r = DenseCrf.Refine(CpuBackend.Shared, image, maps, CrfParameters.Preset(preset));
            Assert.All(r.Marginals, q => Assert.Equal(1f, q));
            Assert.All(r.Labels, l => Assert.Equal(0, l));
        }
    }

    [Fact]
    public void LabelOutsideTheLabelCountIsAnInputError()
    {
        var labels = new LabelMap(1, 2, [0, 3]);
        var e = Assert.Throws<WsssInputException>(() => CrfUnary.FromLabels(labels, 3, 0.7f));
        Assert.Contains("outside", e.Reason);
    }

    [Fact]
    public void IcdUnaryRenormalisesSeedsAndLeavesUndefinedUniform()
    {
        var seeds = new LabelMap(1, 3, [0, 15, 255]);
        var u = CrfUnary.FromIcdSeeds(seeds, 21, 0.5f).Energies;
        // p_seed = 0.5/(0.5 + 20·0.5/21) = 0.5121951, p_other = (0.5/21)/0.9761905 = 0.0243902
        float seed = 0.669050f, other = 3.713572f, uniform = 3.044522f;
        Assert.Equal(seed, u[0 * 3 + 0], 4);
        Assert.Equal(other, u[1 * 3 + 0], 4);
        Assert.Equal(seed, u[15 * 3 + 1], 4);
        Assert.Equal(other, u[0 * 3 + 1], 4);
        for (int l = 0; l < 21; l++) Assert.Equal(uniform, u[l * 3 + 2], 4);
    }

    [Fact]
    public void ArgmaxKeepsTheFirstMaximum()
    {
        var maps = new ClassMaps([0, 7, 9], 1, 3, [0.2f, 0.5f, 0.1f, 0.2f, 0.5f, 0.3f, 0.1f, 0.6f, 0.3f]);
        Assert.Equal([0, 2, 1], CrfUnary.Argmax(maps).Labels);
    }

    [Fact]
    public void ZeroIterationsReturnSoftmaxOfMinusU()
    {
        var p = CrfParameters.Preset("psa") with { Iterations = 0 };
        var image = new RgbImage(1, 2, [10, 20, 30, 200, 100, 0]);
        var maps = new ClassMaps([0, 3], 1, 2, [0.2f, 0.9f, 0.6f, 0.3f]);
        var r = DenseCrf.Refine(CpuBackend.Shared, image, maps, p);
        Assert.Equal(0.25f, r.Marginals[0], 5);
        Assert.Equal(0.75f, r.Marginals[2], 5);
        Assert.Equal(0.75f, r.Marginals[1], 5);
        Assert.Equal(0.25f, r.Marginals[3], 5);
        Assert.Equal([1, 0], r.Labels);
        Assert.Equal([3, 0], r.ToLabelMap([0, 3]).Labels);
    }

    [Fact]
    public void OnePixelIterationsAddTheCompatWeightedMarginals()
    {
        // A lone pixel's normalised kernel is exactly 1 (K̃ = K11/K11), so each step is
        // Q ← softmax(−U + (w_gauss + w_bilateral)·Q): positive compat pulls towards the current winner.
        var p = CrfParameters.Parse("gauss=3,3;bilateral=80,13,10;iters=2;unary=scores");
        var image = new RgbImage(1, 1, [90, 40, 200]);
        var r = DenseCrf.Refine(CpuBackend.Shared, image, OnePixel(0.6f, 0.4f), p);
        double q0 = 0.6, q1 = 0.4;
        for (int it = 0; it < 2; it++)
        {
            double a = Math.Log(0.6) + 13 * q0, b = Math.Log(0.4) + 13 * q1;
            double m = Math.Max(a, b);
            double ea = Math.Exp(a - m), eb = Math.Exp(b - m);
            (q0, q1) = (ea / (ea + eb), eb / (ea + eb));
        }
        Assert.Equal(q0, r.Marginals[0], 4);
        Assert.Equal(q1, r.Marginals[1], 4);
        Assert.True(q0 > 0.9); // the step really moved away from 0.6
    }

    [Fact]
    public void UnsureThresholdMarksFlatPixels()
    {
        var p = CrfParameters.Parse("gauss=off;bilateral=off;iters=0;unary=scores;unsure=0.5");
        var image = new RgbImage(1, 2, new byte[6]);
        var maps = new ClassMaps([0, 1, 2], 1, 2, [0.34f, 0.9f, 0.33f, 0.05f, 0.33f, 0.05f]);
        var r = DenseCrf.Refine(CpuBackend.Shared, image, maps, p);
        Assert.Equal([255, 0], r.Labels);
    }
}

public class CrfPrepareTests
{
    [Fact]
    public void GaussianKernelIsSharedBetweenImagesOfOneSizeAndSxy()
    {
        var (a, _) = CrfScenes.Bands(21, 23, 2, 1);
        var (b, _) = CrfScenes.Bands(21, 23, 2, 2);
        var (c, _) = CrfScenes.Bands(23, 21, 2, 3);
        var psa = CrfParameters.Preset("psa");
        var first = DenseCrf.Prepare(CpuBackend.Shared, a, psa);
        var second = DenseCrf.Prepare(CpuBackend.Shared, b, psa);
        Assert.Same(first.Gaussian, second.Gaussian);
        Assert.NotSame(first.Bilateral, second.Bilateral);
        Assert.NotSame(first.Gaussian, DenseCrf.Prepare(CpuBackend.Shared, c, psa).Gaussian);
        Assert.NotSame(first.Gaussian, DenseCrf.Prepare(CpuBackend.Shared, a, CrfParameters.Preset("vwe")).Gaussian);
        // Shared or not, the results are those of a fresh build.
        var maps = CrfScenes.Bands(21, 23, 2, 2).Scores;
        var fresh = new CrfImage(CpuBackend.Shared, 21, 23, psa,
            new PreparedKernel(new CrfKernel(PermutohedralLattice.Build(CrfKernel.GaussianFeatures(21, 23, 3), 2, CpuBackend.Shared.ParallelOptions), CpuBackend.Shared.ParallelOptions), ownsCpu: false),
            second.BilateralKernel);
        Assert.Equal(fresh.Infer(CrfUnary.FromScores(maps)).Marginals, second.Infer(CrfUnary.FromScores(maps)).Marginals);
    }
}
