using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Tests.Backends.Vulkan;
using Xunit.Abstractions;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// CPU vs Vulkan (lavapipe in CI): the device-built lattice has the CPU's vertices and neighbours
/// (LatticeBuildTests), so marginals agree to float rounding (summation order, exp and the normalisation's
/// rounding differ) and labels on ≥ 99.9 % of pixels. The tiny-chunk backend (4 KiB buffer limit) takes the
/// CPU fallback where its buffers are too small, which must give the CPU result exactly.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class CrfVulkanTests(VulkanFixture fixture, ITestOutputHelper output)
{
    private static readonly CpuBackend Cpu = new();

    public static TheoryData<string> Presets => new() { "psa", "irn", "wsgcn-partial", "gauss=3,1;bilateral=50,10,2;iters=5;unary=scores", "gauss=off;bilateral=30,10,2;unary=softmax", "gauss=1,3;bilateral=off;iters=4" };

    [VulkanTheory]
    [MemberData(nameof(Presets))]
    public void VulkanMatchesCpu(string preset)
    {
        var p = preset.Contains('=') ? CrfParameters.Parse(preset) : CrfParameters.Preset(preset);
        foreach (var (h, w, labels) in new[] { (37, 53, 3), (90, 120, 21), (64, 80, 6) })
        {
            var (image, scores) = CrfScenes.Bands(h, w, labels, h + labels, colourNoise: 10);
            var expected = DenseCrf.Refine(Cpu, image, scores, p);
            foreach (var vk in fixture.All)
            {
                var actual = DenseCrf.Refine(vk, image, scores, p);
                int agree = 0;
                for (int i = 0; i < expected.Labels.Length; i++) if (expected.Labels[i] == actual.Labels[i]) agree++;
                double maxDiff = 0;
                for (int i = 0; i < expected.Marginals.Length; i++)
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected.Marginals[i] - actual.Marginals[i]));
                output.WriteLine($"{preset} {h}x{w}x{labels} on {vk.Options.MaxChunkBytes}: labels {agree}/{expected.Labels.Length}, max |dQ| {maxDiff:E2}");
                Assert.True(agree >= 0.999 * expected.Labels.Length, $"labels agree on {agree}/{expected.Labels.Length}");
                Assert.True(maxDiff < 1e-4, $"marginals differ by {maxDiff}");
            }
        }
    }

    [VulkanFact]
    public void VulkanRecipesMatchCpu()
    {
        var (image, scores) = CrfScenes.Bands(48, 64, 3, 5, colourNoise: 8);
        var cams = new ClassMaps([4, 9, 15], 48, 64, scores.Data);
        var vk = fixture.Backend;
        Assert.Equal(IrLabelRecipe.Run(Cpu, image, cams, new IrLabelOptions()).Labels,
            IrLabelRecipe.Run(vk, image, cams, new IrLabelOptions()).Labels);
        Assert.Equal(PsaLaHaRecipe.Run(Cpu, image, cams, new PsaLaHaOptions()).Labels.Labels,
            PsaLaHaRecipe.Run(vk, image, cams, new PsaLaHaOptions()).Labels.Labels);
    }

    [VulkanFact]
    public void OnePixelAndZeroIterationsOnVulkan()
    {
        var image = new RgbImage(1, 1, [90, 40, 200]);
        var maps = new ClassMaps([0, 1], 1, 1, [0.6f, 0.4f]);
        var p0 = CrfParameters.Preset("psa") with { Iterations = 0 };
        var r0 = DenseCrf.Refine(fixture.Backend, image, maps, p0);
        Assert.Equal(0.6f, r0.Marginals[0], 5);
        var p1 = CrfParameters.Preset("psa") with { Iterations = 1 };
        var r1 = DenseCrf.Refine(fixture.Backend, image, maps, p1);
        double a = Math.Log(0.6) + 13 * 0.6, b = Math.Log(0.4) + 13 * 0.4;
        Assert.Equal(1 / (1 + Math.Exp(b - a)), r1.Marginals[0], 4);
    }

    [VulkanFact]
    public void SeveralCrfsInOneSubmissionMatchTheCpuOneByOne()
    {
        // Different label counts in one submission share the lattice and the vertex buffers.
        var (image, three) = CrfScenes.Bands(40, 56, 3, 8, colourNoise: 8);
        var (_, seven) = CrfScenes.Bands(40, 56, 7, 9, colourNoise: 8);
        var p = CrfParameters.Parse("gauss=3,2;bilateral=50,10,3;iters=6;unary=scores");
        var unaries = new[] { CrfUnary.FromScores(three), CrfUnary.FromScores(seven), CrfUnary.FromScores(three) };
        foreach (var vk in new[] { fixture.Backend, fixture.Staging })
        {
            var gpu = DenseCrf.Prepare(vk, image, p).InferAll(unaries);
            var cpu = DenseCrf.Prepare(Cpu, image, p);
            for (int u = 0; u < unaries.Length; u++)
            {
                var expected = cpu.Infer(unaries[u]);
                Assert.Equal(expected.LabelCount, gpu[u].LabelCount);
                int agree = expected.Labels.Zip(gpu[u].Labels).Count(t => t.First == t.Second);
                Assert.True(agree >= 0.999 * expected.Labels.Length, $"labels agree on {agree}/{expected.Labels.Length}");
                for (int i = 0; i < expected.Marginals.Length; i++)
                    Assert.Equal(expected.Marginals[i], gpu[u].Marginals[i], 1e-4);
            }
        }
    }
}
