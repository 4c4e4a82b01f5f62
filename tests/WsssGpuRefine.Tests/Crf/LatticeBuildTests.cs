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
        ["hand", 2], ["hand", 5], ["bands", 2], ["bands", 5], ["sample", 2], ["sample", 5], ["flat", 5]]);

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
            case "flat":
                image = FlatImage();
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

    /// <summary>
    /// 96x128 pixels of one colour but for a square: bilateral vertices whose corner rows run to thousands of pixels
    /// (what a flat photo region gives), which the device puts in pixel order and splats in segments.
    /// </summary>
    private static RgbImage FlatImage() =>
        new(96, 128, [.. Enumerable.Range(0, 96 * 128).SelectMany(i => i / 128 is > 40 and < 60 && i % 128 is > 50 and < 70 ? new byte[] { 30, 200, 40 } : [120, 120, 120])]);

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
        using var built = backend.Run(new LatticeBuild(dimension, () => features, p => new CrfKernel(PermutohedralLattice.Build(features, dimension, p), p), SharedCpu: false));
        Assert.Equal(dimension, built.Dimension);
        if (backend is VulkanBackend vk && (vk.Options.MaxChunkBytes > 4096 || built.Device is not null))
        {
            Assert.NotNull(built.Device);
            Assert.False(built.HasCpu, "the device build must not build the CPU lattice");
            var snapshot = built.Device!.Download();
            // The one-thread CPU normalisation sums each vertex's corners in pixel order, as the device's splat does
            // within each segment, so long corner rows (the flat scene's) round closely alike.
            var sequential = new ParallelOptions { MaxDegreeOfParallelism = 1 };
            CompareWithCpu(new CrfKernel(PermutohedralLattice.Build(features, dimension, sequential), sequential), snapshot);
            if (scene == "flat")
            {
                int longest = Enumerable.Range(0, snapshot.VertexCount).Max(v => (int)(snapshot.Start[v + 1] - snapshot.Start[v]));
                Assert.True(longest > 2000, $"the flat scene's longest corner row has {longest} pixels");
            }
            // Run to run the ids may change, but every weight is summed in a fixed order: bit-identical weights.
            using var again = DeviceLattice.Build(vk, features, dimension);
            var second = again!.Download();
            Assert.Equal(snapshot.Slice, second.Slice);
            Assert.Equal(snapshot.Barycentric, second.Barycentric);
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
        // The device splat sums a vertex's corners in segments of 64 added in order, the CPU one after another: over
        // a row of n corners the two roundings drift apart by about sqrt(n) float steps, which the normalisation
        // carries into every weight.
        uint longest = 0;
        for (int v = 0; v < m; v++) longest = Math.Max(longest, gather.Start[v + 1] - gather.Start[v]);
        float relative = 2e-6f + 1.2e-7f * MathF.Sqrt(longest);
        for (int v = 0; v < m; v++)
        {
            int g = toGpu[v];
            int cs = (int)gather.Start[v], ce = (int)gather.Start[v + 1], gs = (int)gpu.Start[g], ge = (int)gpu.Start[g + 1];
            Assert.Equal(ce - cs, ge - gs);
            for (int e = 0; e < ce - cs; e++)
            {
                Assert.Equal(gather.Pixel[cs + e], gpu.Pixel[gs + e]);
                Assert.Equal(gather.Weight[cs + e], gpu.Weight[gs + e], relative * Math.Abs(gather.Weight[cs + e]) + 1e-12f);
            }
        }
        for (int c = 0; c < cpu.SliceWeights.Length; c++)
            Assert.Equal(cpu.SliceWeights[c], gpu.Slice[c], relative * Math.Abs(cpu.SliceWeights[c]) + 1e-12f);
        // The splat segments: every row cut into pieces of at most 64 corners, the unused slots empty.
        var (segmentStart, segmentBegin) = DeviceLattice.HostSegments(gpu.Start, DeviceLattice.SlotsForSegments(m, lattice.Offsets.Length));
        Assert.Equal(segmentStart, gpu.SegmentStart);
        Assert.Equal(segmentBegin, gpu.SegmentBegin);
    }

    public static IEnumerable<object[]> CrfCases => AllBackendsAttribute.Cross([
        ["psa", "bands"], ["irn", "bands"], ["wsgcn-partial", "bands"], ["gauss=1,3;bilateral=off;iters=4", "bands"],
        ["psa", "sample"], ["irn", "sample"], ["irn", "flat"]]);

    [Theory, MemberData(nameof(CrfCases))]
    public void CrfLabelsOnTheBackendsLatticeEqualTheCpuPath(string backendName, string preset, string scene)
    {
        var backend = fixture.Get(backendName);
        var p = preset.Contains('=') ? CrfParameters.Parse(preset) : CrfParameters.Preset(preset);
        var scenes = scene == "sample" ? [(SampleImage(375, 500, seed: 2), SampleScores(375, 500, 6, seed: 2))]
            // Corner rows of thousands of pixels: the device splat adds them in segments.
            : scene == "flat" ? [(FlatImage(), SampleScores(96, 128, 4, seed: 3))]
            : new[] { (37, 53, 3), (90, 120, 21), (64, 80, 6) }.Select(t => CrfScenes.Bands(t.Item1, t.Item2, t.Item3, t.Item1 + t.Item3, colourNoise: 10)).ToArray();
        foreach (var (image, scores) in scenes)
        {
            var unary = CrfUnary.FromMaps(scores, p);
            var expected = DenseCrf.Prepare(fixture.Cpu, image, p).Infer(unary);
            using var prepared = DenseCrf.Prepare(backend, image, p);
            var actual = prepared.Infer(unary);
            bool onDevice = (prepared.GaussianKernel?.Device ?? prepared.BilateralKernel?.Device) is not null;
            if (onDevice)
            {
                // The Vulkan CRF ran on the device lattices alone: no CPU lattice was made for it.
                Assert.False(prepared.GaussianKernel?.HasCpu ?? false, "a CPU Gaussian lattice was built");
                Assert.False(prepared.BilateralKernel?.HasCpu ?? false, "a CPU bilateral lattice was built");
            }
            int agree = expected.Labels.Zip(actual.Labels).Count(t => t.First == t.Second);
            double maxDiff = expected.Marginals.Zip(actual.Marginals).Max(t => Math.Abs(t.First - t.Second));
            output.WriteLine($"{preset} {image.Width}x{image.Height}x{scores.Channels} on {backendName} (device lattice: {onDevice}): labels {agree}/{expected.Labels.Length}, max |dQ| {maxDiff:E2}");
            Assert.Equal(expected.Labels, actual.Labels);
            Assert.True(maxDiff < 1e-4, $"marginals differ by {maxDiff}");
        }
    }

    [VulkanFact]
    public void SameSizeImagesShareOneDeviceGaussianLatticeUntilItsLastImageIsDone()
    {
        var vk = fixture.Backend;
        var p = CrfParameters.Preset("irn");
        var (imageA, _) = CrfScenes.Bands(41, 59, 3, 7, colourNoise: 10);
        var (imageB, scoresB) = CrfScenes.Bands(41, 59, 3, 8, colourNoise: 10);
        var first = DenseCrf.Prepare(vk, imageA, p);
        using var second = DenseCrf.Prepare(vk, imageB, p);
        var shared = first.GaussianKernel!.Device!;
        Assert.Same(shared, second.GaussianKernel!.Device);
        Assert.NotSame(first.BilateralKernel!.Device, second.BilateralKernel!.Device);

        // Four other sizes push 41x59 out of the cache while both images still use its lattice.
        for (int i = 0; i < 4; i++) DenseCrf.Prepare(vk, CrfScenes.Bands(30 + i, 31, 2, i).Image, p).Dispose();
        first.Dispose();
        Assert.False(shared.IsDisposed, "the evicted lattice was released under an image still using it");
        var unary = CrfUnary.FromMaps(scoresB, p);
        Assert.Equal(DenseCrf.Prepare(fixture.Cpu, imageB, p).Infer(unary).Labels, second.Infer(unary).Labels);
        second.Dispose();
        Assert.True(shared.IsDisposed, "the evicted lattice outlived its last image");

        using var third = DenseCrf.Prepare(vk, imageA, p);
        Assert.NotSame(shared, third.GaussianKernel!.Device);
        Assert.False(third.GaussianKernel.Device!.IsDisposed);
    }

    [VulkanFact]
    public void ACrfTheDeviceCannotHoldFallsBackToTheCpuLatticeBuiltThen()
    {
        // 4x4 pixels: the lattice build fits the 4 KiB tiny-chunk buffers, 70 labels (16·70·4 bytes) do not.
        var (image, scores) = CrfScenes.Bands(4, 4, 70, 3, colourNoise: 10);
        var p = CrfParameters.Preset("psa");
        var unary = CrfUnary.FromMaps(scores, p);
        using var prepared = DenseCrf.Prepare(fixture.TinyChunks, image, p);
        Assert.NotNull(prepared.BilateralKernel!.Device);
        Assert.False(prepared.BilateralKernel.HasCpu);
        var actual = prepared.Infer(unary);
        Assert.True(prepared.BilateralKernel.HasCpu, "the CPU path needs the CPU lattice");
        var expected = DenseCrf.Prepare(fixture.Cpu, image, p).Infer(unary);
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.Marginals, actual.Marginals);
        prepared.Dispose();
        Assert.Throws<ObjectDisposedException>(() => prepared.Infer(unary));
    }

    private static ClassMaps SampleScores(int h, int w, int labels, int seed)
    {
        var rng = new Random(seed);
        var data = new float[labels * h * w];
        for (int l = 0; l < labels; l++)
        {
            double cy = rng.Next(h), cx = rng.Next(w), r = 60 + rng.Next(120);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double d = Math.Sqrt((y - cy) * (y - cy) + (x - cx) * (x - cx));
                    data[(l * h + y) * w + x] = (float)Math.Clamp(1 - d / r + 0.3 * rng.NextDouble(), 0, 1);
                }
        }
        return new ClassMaps(Enumerable.Range(0, labels).ToArray(), h, w, data);
    }
}
