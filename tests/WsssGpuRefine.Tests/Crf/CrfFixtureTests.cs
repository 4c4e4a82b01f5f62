using System.Text.Json;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using Xunit.Abstractions;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// Against Fixtures/crf/crf_fixture.json from make_crf_fixture.py: a numpy rendering of pydensecrf's
/// lattice mean field (which we must match to float rounding) and the exact all-pairs mean field.
/// </summary>
public class CrfFixtureTests(ITestOutputHelper output)
{
    private sealed record Case(string Name, int Height, int Width, int Labels, string Params, int[] Image,
        float[] Scores, float[] Unary, float[] LatticeMarginals, float[] ExactMarginals);

    private static readonly Lazy<Case[]> Cases = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "crf", "crf_fixture.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("name").GetString()!, c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32(),
            c.GetProperty("labels").GetInt32(), c.GetProperty("params").GetString()!,
            c.GetProperty("image").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            Floats(c, "scores"), Floats(c, "unary"), Floats(c, "lattice_marginals"), Floats(c, "exact_marginals"))).ToArray();
        static float[] Floats(JsonElement c, string name) => c.GetProperty(name).ValueKind == JsonValueKind.Null
            ? [] : c.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
    });

    public static TheoryData<int> CaseIndices => new() { 0, 1, 2, 3, 4, 5 };

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void MatchesNumpyLatticeReferenceAndExactMeanField(int index)
    {
        var c = Cases.Value[index];
        var p = CrfParameters.Parse(c.Params);
        var image = new RgbImage(c.Height, c.Width, c.Image.Select(v => (byte)v).ToArray());
        var maps = new ClassMaps(Enumerable.Range(0, c.Labels).ToArray(), c.Height, c.Width, c.Scores);
        var unary = CrfUnary.FromMaps(maps, p);
        for (int i = 0; i < c.Unary.Length; i++) Assert.Equal(c.Unary[i], unary.Energies[i], 2e-5);

        foreach (int threads in new[] { 1, 2 })
        {
            using var backend = new CpuBackend(threads);
            var r = DenseCrf.Run(backend, image, unary, p);
            double maxLattice = 0, maxExact = 0;
            for (int i = 0; i < r.Marginals.Length; i++)
            {
                maxLattice = Math.Max(maxLattice, Math.Abs(r.Marginals[i] - c.LatticeMarginals[i]));
                if (c.ExactMarginals.Length > 0)
                    maxExact = Math.Max(maxExact, Math.Abs(r.Marginals[i] - c.ExactMarginals[i]));
            }
            int px = c.Height * c.Width, agree = 0;
            for (int i = 0; i < px; i++)
            {
                int best = 0;
                for (int l = 1; l < c.Labels; l++) if (c.LatticeMarginals[l * px + i] > c.LatticeMarginals[best * px + i]) best = l;
                if (best == r.Labels[i]) agree++;
            }
            output.WriteLine($"{c.Name} ({threads} threads): max |dQ| vs numpy lattice {maxLattice:E2}, vs exact {maxExact:F4}, labels {agree}/{px}");
            // Same algorithm in float32; only summation order (per-chunk partial splats) and exp differ.
            Assert.True(maxLattice < 2e-4, $"lattice reference differs by {maxLattice}");
            Assert.Equal(px, agree);
            Assert.True(maxExact < 0.06, $"exact mean field differs by {maxExact}");
        }
    }

    [Fact]
    public void ThreadCountChangesOnlyTheSummationOrder()
    {
        // Large enough for several pixel chunks and lattice-build chunks.
        var (image, scores) = CrfScenes.Bands(150, 160, 5, 21, colourNoise: 10);
        foreach (var preset in new[] { "psa", "irn" })
        {
            var p = CrfParameters.Preset(preset);
            using var one = new CpuBackend(1);
            using var two = new CpuBackend(2);
            using var four = new CpuBackend(4);
            var a = DenseCrf.Refine(one, image, scores, p);
            var b = DenseCrf.Refine(two, image, scores, p);
            var c = DenseCrf.Refine(four, image, scores, p);
            Assert.Equal(a.Labels, b.Labels);
            Assert.Equal(a.Labels, c.Labels);
            for (int i = 0; i < a.Marginals.Length; i++)
            {
                Assert.Equal(a.Marginals[i], b.Marginals[i], 1e-5);
                Assert.Equal(a.Marginals[i], c.Marginals[i], 1e-5);
            }
        }
    }
}
