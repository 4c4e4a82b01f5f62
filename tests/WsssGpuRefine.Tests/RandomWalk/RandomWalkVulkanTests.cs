using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.RandomWalk;
using WsssGpuRefine.Tests.Backends.Vulkan;
using static WsssGpuRefine.Tests.RandomWalk.NpyTestReader;

namespace WsssGpuRefine.Tests.RandomWalk;

/// <summary>CPU vs Vulkan (lavapipe in CI): same labels, scores within 1e-4 after normalisation.</summary>
[Collection(VulkanCollection.Name)]
public sealed class RandomWalkVulkanTests(VulkanFixture fixture)
{
    private static readonly CpuBackend Cpu = new(2);

    [VulkanFact]
    public void Stencil_walk_matches_cpu()
    {
        var rng = new Random(31);
        int h = 23, w = 37, channels = 3;
        var affinity = BoundaryAffinity.FromBoundary(RandomWalkPropagationTests.WalledBoundary(rng, h, w), h, w);
        var x = RandomWalkPropagationTests.RandomMap(rng, channels * h * w);
        foreach (var options in new[] { RandomWalkOptions.Irn, RandomWalkOptions.Irn with { ExpTimes = 5, Beta = 5 }, RandomWalkOptions.Irn with { ExpTimes = 0 } })
        {
            var cpu = (float[])x.Clone();
            RandomWalker.Propagate(cpu, channels, affinity, options, Cpu);
            foreach (var vk in new[] { fixture.Backend, fixture.Staging })
            {
                var gpu = (float[])x.Clone();
                RandomWalker.Propagate(gpu, channels, affinity, options, vk);
                AssertNormalisedClose(cpu, gpu, 1e-4f);
                Assert.NotEqual(x, gpu);
            }
        }
    }

    [VulkanFact]
    public void Irn_recipe_on_fixture_matches_cpu()
    {
        var (boundary, bShape) = ReadFloat32("irn_boundary.npy");
        var (cam, cShape) = ReadFloat32("irn_cam.npy");
        var (keys, _) = ReadInt64("irn_keys.npy");
        var (param, _) = ReadInt64("irn_params.npy");
        var affinity = BoundaryAffinity.FromBoundary(boundary, bShape[0], bShape[1]);
        var maps = new ClassMaps(keys.Select(k => (int)k + 1).ToArray(), cShape[1], cShape[2], cam);
        var expected = RandomWalker.Refine(maps, affinity, (int)param[0], (int)param[1], RandomWalkOptions.Irn, Cpu);
        foreach (var vk in new[] { fixture.Backend, fixture.Staging })
        {
            var actual = RandomWalker.Refine(maps, affinity, (int)param[0], (int)param[1], RandomWalkOptions.Irn, vk);
            AssertNormalisedClose(expected.Scores.Data, actual.Scores.Data, 1e-4f);
            AssertSameLabelsAwayFromTies(expected, actual, 0.25f);
        }
    }

    [VulkanFact]
    public void Affinity_net_recipe_on_fixture_matches_cpu()
    {
        var (features, fShape) = ReadFloat32("psa_features.npy");
        var (cam, cShape) = ReadFloat32("psa_cam.npy");
        var (keys, _) = ReadInt64("psa_keys.npy");
        var affinity = FeatureAffinity.FromFeatures(features, fShape[0], fShape[1], fShape[2]);
        var maps = new ClassMaps(keys.Select(k => (int)k + 1).ToArray(), cShape[1], cShape[2], cam);
        var options = RandomWalkOptions.Preset("psa");
        var expected = RandomWalker.Refine(maps, affinity, cShape[1], cShape[2], options, Cpu);
        foreach (var vk in new[] { fixture.Backend, fixture.Staging })
        {
            var actual = RandomWalker.Refine(maps, affinity, cShape[1], cShape[2], options, vk);
            AssertNormalisedClose(expected.Scores.Data, actual.Scores.Data, 1e-4f);
            AssertSameLabelsAwayFromTies(expected, actual, null);
        }
    }

    [VulkanFact]
    public void Grid_too_large_for_one_binding_falls_back_to_cpu()
    {
        // 4 KiB bindings cannot hold the 34 direction planes: the walk must still be right.
        var rng = new Random(32);
        int h = 12, w = 14;
        var affinity = BoundaryAffinity.FromBoundary(RandomWalkPropagationTests.WalledBoundary(rng, h, w), h, w);
        var x = RandomWalkPropagationTests.RandomMap(rng, 2 * h * w);
        var cpu = (float[])x.Clone();
        RandomWalker.Propagate(cpu, 2, affinity, RandomWalkOptions.Irn, Cpu);
        var gpu = (float[])x.Clone();
        RandomWalker.Propagate(gpu, 2, affinity, RandomWalkOptions.Irn, fixture.TinyChunks);
        AssertNormalisedClose(cpu, gpu, 1e-6f);
    }

    private static void AssertNormalisedClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        float maxE = expected.Max(), maxA = actual.Max(), worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = MathF.Max(worst, MathF.Abs(expected[i] / maxE - actual[i] / maxA));
        Assert.True(worst <= tolerance, $"max abs difference after normalisation {worst:E3}");
    }

    private static void AssertSameLabelsAwayFromTies(RandomWalkResult expected, RandomWalkResult actual, float? threshold)
    {
        int n = expected.Labels.PixelCount, channels = expected.Scores.Channels, compared = 0;
        for (int p = 0; p < n; p++)
        {
            var candidates = Enumerable.Range(0, channels).Select(c => expected.Scores.Data[c * n + p]).ToList();
            if (threshold is float t) candidates.Add(t);
            var top = candidates.OrderDescending().Take(2).ToArray();
            if (top[0] - top[1] <= 1e-5f) continue;
            Assert.Equal(expected.Labels.Labels[p], actual.Labels.Labels[p]);
            compared++;
        }
        Assert.True(compared > n * 9 / 10);
    }
}
