using BenchmarkDotNet.Attributes;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// IRN's random walk on a VOC-sized image: 375×500 → 94×125 stride-4 grid, r = 5, β = 10,
/// 256 steps (exp_times 8). Peer baseline: scipy sparse stencil 0.86 s per image on 2 cores.
/// </summary>
[MemoryDiagnoser]
public class RandomWalkBenchmarks
{
    private const int Height = 94, Width = 125, ImageHeight = 375, ImageWidth = 500;
    private BoundaryAffinity affinity = null!;
    private ClassMaps cam = null!;
    private float[] values = null!;
    private float[] work = null!;
    private CpuBackend cpu = null!;

    [Params(3, 4)]
    public int Channels { get; set; }

    [Params(false, true)]
    public bool DoubleAccumulation { get; set; }

    private RandomWalkOptions options = RandomWalkOptions.Irn;

    [GlobalSetup]
    public void Setup()
    {
        (affinity, values) = RandomWalkInputs.Create(Channels, Height, Width);
        work = new float[values.Length];
        cam = new ClassMaps(Enumerable.Range(1, Channels).ToArray(), Height, Width, (float[])values.Clone());
        cpu = new CpuBackend();
        options = RandomWalkOptions.Irn with { DoubleAccumulation = DoubleAccumulation };
    }

    /// <summary>Transition precomputation plus the 256 stencil steps.</summary>
    [Benchmark(Baseline = true)]
    public float[] PropagateCpu()
    {
        values.CopyTo(work, 0);
        RandomWalker.Propagate(work, Channels, affinity, options, cpu);
        return work;
    }

    /// <summary>The whole IRN recipe: CAM·(1 − B), walk, ×4 bilinear, normalise, threshold, argmax.</summary>
    [Benchmark]
    public LabelMap RefineIrnCpu() =>
        RandomWalker.RefineIrn(cam, affinity, ImageHeight, ImageWidth, options, cpu).Labels;
}

/// <summary>
/// The same 94×125 × 4-channel walk (256 steps) on the Vulkan backend (WSSS_VULKAN_DEVICE, else the
/// best device, lavapipe included) next to the CPU. Includes building T and the single upload/readback.
/// On lavapipe the figure only shows the path works: a software driver is not a GPU.
/// Run: dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- --filter '*RandomWalkVulkan*'
/// </summary>
public class RandomWalkVulkanBenchmarks
{
    private const int Height = 94, Width = 125, Channels = 4;
    private BoundaryAffinity affinity = null!;
    private float[] values = null!;
    private float[] work = null!;
    private ComputeBackend vulkan = null!;
    private readonly CpuBackend cpu = new();

    [GlobalSetup]
    public void Setup()
    {
        vulkan = BackendFactory.Create(BackendPreference.Vulkan, Console.WriteLine);
        Console.WriteLine($"// device: {vulkan.DeviceName}");
        (affinity, values) = RandomWalkInputs.Create(Channels, Height, Width);
        work = new float[values.Length];
        PropagateVulkan(); // builds the pipeline and fills the buffer pool
    }

    [GlobalCleanup]
    public void Cleanup() => vulkan.Dispose();

    [Benchmark(Baseline = true)]
    public float[] PropagateCpu()
    {
        values.CopyTo(work, 0);
        RandomWalker.Propagate(work, Channels, affinity, RandomWalkOptions.Irn, cpu);
        return work;
    }

    [Benchmark]
    public float[] PropagateVulkan()
    {
        values.CopyTo(work, 0);
        RandomWalker.Propagate(work, Channels, affinity, RandomWalkOptions.Irn, vulkan);
        return work;
    }
}

/// <summary>The walk inputs both benchmark classes use: a random boundary map (mostly low) and random CAM values.</summary>
internal static class RandomWalkInputs
{
    public static (BoundaryAffinity Affinity, float[] Values) Create(int channels, int height, int width)
    {
        var rng = new Random(42);
        var boundary = new float[height * width];
        for (int i = 0; i < boundary.Length; i++) boundary[i] = (float)Math.Pow(rng.NextDouble(), 4);
        var values = new float[channels * height * width];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
        return (BoundaryAffinity.FromBoundary(boundary, height, width), values);
    }
}
