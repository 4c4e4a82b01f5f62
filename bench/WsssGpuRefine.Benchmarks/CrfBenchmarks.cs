using BenchmarkDotNet.Attributes;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// Dense CRF on a 500×375 synthetic image, 10 iterations, as the seed methods run it per image.
/// pydensecrf on one core: 0.297 s (4 labels) and 0.729 s (21 labels).
/// Measured 2026-11-25 on the shared 2-core AMD EPYC (AVX-512) dev machine, other jobs running,
/// short job: FullCrf 84 ms (4 labels) and 162 ms (21 labels); one thread about 140 and 275 ms.
/// </summary>
[MemoryDiagnoser]
public class CrfBenchmarks
{
    private RgbImage _image = null!;
    private ClassMaps _scores = null!;
    internal RgbImage Image => _image;
    internal ClassMaps Scores => _scores;
    private CrfUnary _unary = null!;
    private CrfImage _prepared = null!;
    private readonly CrfParameters _parameters = CrfParameters.Preset("psa");

    [Params(4, 21)]
    public int Labels { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int h = 375, w = 500;
        var rng = new Random(1);
        // Smooth blobs of colour with noise, and score maps that roughly follow them: a lattice
        // about as populated as a real photo's.
        var px = new byte[h * w * 3];
        var data = new float[Labels * h * w];
        var centres = Enumerable.Range(0, Labels).Select(_ => (y: rng.Next(h), x: rng.Next(w))).ToArray();
        var colours = Enumerable.Range(0, Labels).Select(_ => new[] { rng.Next(256), rng.Next(256), rng.Next(256) }).ToArray();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int best = 0; double bestD = double.MaxValue;
                for (int l = 0; l < Labels; l++)
                {
                    double d = Math.Pow(y - centres[l].y, 2) + Math.Pow(x - centres[l].x, 2);
                    if (d < bestD) { bestD = d; best = l; }
                }
                int p = y * w + x;
                for (int c = 0; c < 3; c++)
                    px[p * 3 + c] = (byte)Math.Clamp(colours[best][c] + rng.Next(-20, 21), 0, 255);
                for (int l = 0; l < Labels; l++)
                    data[l * h * w + p] = (float)(l == best ? 0.5 + 0.5 * rng.NextDouble() : 0.6 * rng.NextDouble());
            }
        _image = new RgbImage(h, w, px);
        _scores = new ClassMaps(Enumerable.Range(0, Labels).ToArray(), h, w, data);
        _unary = CrfUnary.FromScores(_scores);
        _prepared = DenseCrf.Prepare(CpuBackend.Shared, _image, _parameters);
    }

    /// <summary>Everything per image: unary, both lattices, 10 iterations.</summary>
    [Benchmark]
    public CrfResult FullCrf() => DenseCrf.Refine(CpuBackend.Shared, _image, _scores, _parameters);

    /// <summary>Lattices only (paid once per image however many CRFs follow; the Gaussian one is cached per image size).</summary>
    [Benchmark]
    public CrfImage PrepareLattices() => DenseCrf.Prepare(CpuBackend.Shared, _image, _parameters);

    /// <summary>Inference only, lattices reused (the second CRF of ir_label or la/ha).</summary>
    [Benchmark]
    public CrfResult InferenceOnly() => _prepared.Infer(_unary);
}

/// <summary>
/// The same CRFs on the Vulkan backend (WSSS_VULKAN_DEVICE, else the best device, lavapipe included):
/// lattices built on the device once in set-up (CrfLatticeBuildBenchmarks times that), iterations on the GPU.
/// Prints the host/GPU split per call at cleanup.
/// On lavapipe the figures only show that the path works.
/// Run: dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- --filter '*CrfVulkan*'
/// </summary>
[MemoryDiagnoser]
public class CrfVulkanBenchmarks
{
    private readonly CrfBenchmarks _scene = new();
    private WsssGpuRefine.Backends.Vulkan.VulkanBackend _vk = null!;
    private CrfImage _prepared = null!;
    private CrfUnary _unary = null!;
    private long _calls;

    [Params(4, 21)]
    public int Labels { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scene.Labels = Labels;
        _scene.Setup();
        _vk = (WsssGpuRefine.Backends.Vulkan.VulkanBackend)BackendFactory.Create(BackendPreference.Vulkan, Console.WriteLine);
        Console.WriteLine($"// device: {_vk.DeviceName}");
        _prepared = DenseCrf.Prepare(_vk, _scene.Image, CrfParameters.Preset("psa"));
        _unary = CrfUnary.FromScores(_scene.Scores);
        _vk.ResetTimings();
    }

    /// <summary>Inference only (lattices reused), 10 iterations in one submission.</summary>
    [Benchmark]
    public CrfResult InferenceOnlyVulkan()
    {
        _calls++;
        return _prepared.Infer(_unary);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var t = _vk.Timings;
        double n = Math.Max(1, _calls);
        Console.WriteLine($"// per call: host pack {t.HostPackMs / n:F1} ms, GPU upload {t.GpuUploadMs / n:F1}, GPU compute {t.GpuComputeMs / n:F1}, GPU readback {t.GpuReadbackMs / n:F1}, host unpack {t.HostUnpackMs / n:F1}, submit-wait {t.SubmitWaitMs / n:F1}");
        _vk.Dispose();
    }
}
