using BenchmarkDotNet.Attributes;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// One kernel's permutohedral lattice with its normalisation for the 500x375 scene of <see cref="CrfBenchmarks"/>:
/// on the CPU (PermutohedralLattice.Build + CrfKernel) and on the device (DeviceLattice.Build: shaders/crf_lattice_*.hlsl,
/// two submissions, buffers kept on the device). d = 2 is the Gaussian kernel (sxy 3), d = 5 the bilateral one
/// (psa: sxy 80, srgb 13). The device is WSSS_VULKAN_DEVICE, else the best one; on lavapipe the figures only show
/// that the path works, not GPU speed.
/// Run: dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- --filter '*CrfLatticeBuild*'
/// </summary>
[MemoryDiagnoser]
public class CrfLatticeBuildBenchmarks
{
    private float[] _features = null!;
    private VulkanBackend _vk = null!;

    [Params(2, 5)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var scene = new CrfBenchmarks { Labels = 4 };
        scene.Setup();
        var p = CrfParameters.Preset("psa");
        _features = Dimension == 2
            ? CrfKernel.GaussianFeatures(scene.Image.Height, scene.Image.Width, p.GaussianSxy)
            : CrfKernel.BilateralFeatures(scene.Image, p.BilateralSxy, p.BilateralSrgb);
        _vk = (VulkanBackend)BackendFactory.Create(BackendPreference.Vulkan, Console.WriteLine);
        Console.WriteLine($"// device: {_vk.DeviceName}");
    }

    /// <summary>CPU lattice and normalisation on every core.</summary>
    [Benchmark(Baseline = true)]
    public int BuildOnCpu()
    {
        var parallel = CpuBackend.Shared.ParallelOptions;
        return new CrfKernel(PermutohedralLattice.Build(_features, Dimension, parallel), parallel).Lattice.VertexCount;
    }

    /// <summary>Device lattice (features uploaded, vertex count read back between the two submissions).</summary>
    [Benchmark]
    public int BuildOnDevice()
    {
        using var lattice = DeviceLattice.Build(_vk, _features, Dimension)
            ?? throw new InvalidOperationException("the device cannot hold this lattice");
        return lattice.VertexCount;
    }

    [GlobalCleanup]
    public void Cleanup() => _vk.Dispose();
}
