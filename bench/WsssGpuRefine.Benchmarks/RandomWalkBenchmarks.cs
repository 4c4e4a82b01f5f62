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
        var rng = new Random(42);
        var boundary = new float[Height * Width];
        for (int i = 0; i < boundary.Length; i++) boundary[i] = (float)Math.Pow(rng.NextDouble(), 4);
        affinity = BoundaryAffinity.FromBoundary(boundary, Height, Width);
        values = new float[Channels * Height * Width];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
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
