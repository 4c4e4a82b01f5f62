using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Tests.Backends.Vulkan;
using Xunit.Abstractions;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// The lattice-build operation on every backend. On Vulkan the lattice is built on the device
/// (shaders/crf_lattice_*.hlsl) with its own vertex numbering, so it is compared with the CPU lattice
/// through the one-to-one map of vertex ids the pixel corners induce: same vertex count, every corner on
/// the same vertex, the same blur neighbours, barycentric weights bit for bit, the same per-vertex corner
/// lists (pixels ascending) and the normalised weights to float rounding.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class LatticeBuildTests(VulkanFixture fixture, ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases => AllBackendsAttribute.Cross([
        ["hand", 2], ["hand", 5], ["bands", 2], ["bands", 5], ["sample", 2], ["sample", 5]]);

    private static (float[] Features, int Pixels) Features(string scene, int dimension)
    {
        RgbImage image;
        switch (scene)
        {
            case "hand":
                // 3x4 pixels: two colours, one pixel exactly on a rounding tie of the Gaussian lattice.
                image = new RgbImage(3, 4, [.. Enumerable.Range(0, 12).SelectMany(i => i % 3 == 0 ? new byte[] { 200, 10, 10 } : [20, 30, 220])]);
                break;
            case "bands":
                image = CrfScenes.Bands(61, 83, 4, 5, colourNoise: 12).Image;
                break;
            default:
                image = SampleImage(375, 500, seed: 1);
                break;
        }
        var features = dimension == 2
            ? CrfKernel.GaussianFeatures(image.Height, image.Width, scene == "hand" ? 0.75f : 3f)
            : CrfKernel.BilateralFeatures(image, scene == "hand" ? 2f : 80f, 13f);
        return (features, image.Height * image.Width);
    }

    /// <summary>A photo-like 500x375 image: smooth colour blobs with noise, as the CRF benchmark's.</summary>
    internal static RgbImage SampleImage(int h, int w, int seed)
    {
        var rng = new Random(seed);
        const int blobs = 12;
        var centres = Enumerable.Range(0, blobs).Select(_ => (y: rng.Next(h), x: rng.Next(w))).ToArray();
        var colours = Enumerable.Range(0, blobs).Select(_ => new[] { rng.Next(256), rng.Next(256), rng.Next(256) }).ToArray();
        var px = new byte[h * w * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int best = 0;
                long bestD = long.MaxValue;
                for (int l = 0; l < blobs; l++)
                {
                    long d = (long)(y - centres[l].y) * (y - centres[l].y) + (long)(x - centres[l].x) * (x - centres[l].x);
                    if (d < bestD) { bestD = d; best = l; }
                }
                for (int c = 0; c < 3; c++)
                    px[(y * w + x) * 3 + c] = (byte)Math.Clamp(colours[best][c] + rng.Next(-20, 21), 0, 255);
            }
        return new RgbImage(h, w, px);
    }

    [Theory, MemberData(nameof(Cases))]
    public void DeviceLatticeHasTheCpuVerticesAndNeighbours(string backendName, string scene, int dimension)
    {
        var backend = fixture.Get(backendName);
        var (features, pixels) = Features(scene, dimension);
        var parallel = CpuBackend.Shared.ParallelOptions;
        var expected = new CrfKernel(PermutohedralLattice.Build(features, dimension, parallel), parallel);
        using var built = backend.Run(new LatticeBuild(dimension, () => features, p => new CrfKernel(PermutohedralLattice.Build(features, dimension, p), p)));
        Assert.Equal(dimension, built.Dimension);
        if (backend is VulkanBackend vk && (vk.Options.MaxChunkBytes > 4096 || built.Device is not null))
        {
            Assert.NotNull(built.Device);
            Assert.False(built.HasCpu, "the device build must not build the CPU lattice");
            var snapshot = built.Device!.Download();
            CompareWithCpu(expected, snapshot);
            output.WriteLine($"{scene} d={dimension} on {backendName}: {pixels} pixels, {snapshot.VertexCount} vertices, same as the CPU");
        }
        else
        {
            // The CPU path, and the tiny-chunk device where its 4 KiB buffers cannot hold the build: the CPU lattice.
            Assert.Null(built.Device);
            Assert.Equal(expected.Lattice.VertexCount, built.VertexCount);
            Assert.Equal(expected.Lattice.Offsets, built.Cpu.Lattice.Offsets);
            Assert.Equal(expected.Lattice.BlurNeighbors, built.Cpu.Lattice.BlurNeighbors);
            Assert.Equal(expected.SliceWeights, built.Cpu.SliceWeights);
        }
    }

    private static void CompareWithCpu(CrfKernel cpu, DeviceLattice.Snapshot gpu)
    {
        var lattice = cpu.Lattice;
        int m = lattice.VertexCount, d1 = lattice.Dimension + 1;
        Assert.Equal(lattice.Barycentric, gpu.Barycentric);
        Assert.Equal(m, gpu.VertexCount);
        // The vertex map: corner c is on CPU vertex a and GPU vertex b, so a <-> b, one to one.
        var toGpu = new int[m];
        var toCpu = new int[m];
        Array.Fill(toGpu, -1);
        Array.Fill(toCpu, -1);
        for (int c = 0; c < lattice.Offsets.Length; c++)
        {
            int a = lattice.Offsets[c], b = gpu.Offsets[c];
            Assert.InRange(b, 0, m - 1);
            if (toGpu[a] < 0 && toCpu[b] < 0) { toGpu[a] = b; toCpu[b] = a; }
            Assert.True(toGpu[a] == b && toCpu[b] == a, $"corner {c}: CPU vertex {a} and GPU vertex {b} are not the same vertex");
        }
        Assert.DoesNotContain(-1, toGpu);
        Assert.Equal(lattice.Barycentric, gpu.Barycentric);
        for (int j = 0; j < d1; j++)
            for (int v = 0; v < m; v++)
                for (int s = 0; s < 2; s++)
                {
                    int n = lattice.BlurNeighbors[(j * m + v) * 2 + s];
                    int want = n == m ? m : toGpu[n];
                    Assert.True(want == gpu.Neighbours[(j * m + toGpu[v]) * 2 + s], $"axis {j}, vertex {v}, side {s}: neighbour differs");
                }
        var gather = cpu.Gather;
        for (int v = 0; v < m; v++)
        {
            int g = toGpu[v];
            int cs = (int)gather.Start[v], ce = (int)gather.Start[v + 1], gs = (int)gpu.Start[g], ge = (int)gpu.Start[g + 1];
            Assert.Equal(ce - cs, ge - gs);
            for (int e = 0; e < ce - cs; e++)
            {
                Assert.Equal(gather.Pixel[cs + e], gpu.Pixel[gs + e]);
                Assert.Equal(gather.Weight[cs + e], gpu.Weight[gs + e], 2e-6f * Math.Abs(gather.Weight[cs + e]) + 1e-12f);
            }
        }
        for (int c = 0; c < cpu.SliceWeights.Length; c++)
            Assert.Equal(cpu.SliceWeights[c], gpu.Slice[c], 2e-6f * Math.Abs(cpu.SliceWeights[c]) + 1e-12f);
    }
}
