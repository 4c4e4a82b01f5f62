using BenchmarkDotNet.Attributes;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// The evaluation kernels on the Vulkan backend (the device WSSS_VULKAN_DEVICE names, else the best one,
/// lavapipe included) against the CPU path, on a batch of VOC-size images (500x375, 3 classes each).
/// Transfers are measured apart from compute twice over: the Upload_/Readback_ benchmarks move exactly a
/// kernel's input/output bytes with no kernel, and each *_Vulkan benchmark prints its own split
/// (host pack, GPU upload, GPU compute, GPU readback, host unpack; GPU timestamps) per call at cleanup.
/// On lavapipe the figures only show that the paths work: a software driver is not a GPU.
/// Run: dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- --filter '*Vulkan*'
/// </summary>
[MemoryDiagnoser]
public class VulkanBenchmarks
{
    private const int Images = 8, Height = 375, Width = 500, ChannelsPerImage = 3, Classes = 21;

    private VulkanBackend _vk = null!;
    private readonly CpuBackend _cpu = new();
    private List<ClassMaps> _cams = null!;
    private List<CamWithGroundTruth> _sweepItems = null!;
    private List<LabelPair> _pairs = null!;
    private double[] _thresholds = null!;
    private readonly BackgroundRule _rule = new BackgroundRule.Constant(0.15);
    private long _calls;
    private string _measured = "";

    // Resident buffers for the transfer-only benchmarks.
    private VulkanBuffer _mapsBuffer = null!, _labelBuffer = null!;
    private float[] _mapsHost = null!;
    private byte[] _labelsHost = null!;

    [GlobalSetup]
    public void Setup()
    {
        _vk = (VulkanBackend)BackendFactory.Create(BackendPreference.Vulkan, Console.WriteLine);
        Console.WriteLine($"// device: {_vk.DeviceName}, staging: {_vk.UsesStaging}, max buffer {_vk.MaxBufferBytes >> 20} MiB");
        var rng = new Random(1);
        _cams = new List<ClassMaps>();
        _pairs = new List<LabelPair>();
        _sweepItems = new List<CamWithGroundTruth>();
        for (int i = 0; i < Images; i++)
        {
            var ids = Enumerable.Range(1, Classes - 1).OrderBy(_ => rng.Next()).Take(ChannelsPerImage).ToArray();
            var data = new float[ChannelsPerImage * Height * Width];
            for (int j = 0; j < data.Length; j++) data[j] = (float)rng.NextDouble();
            var cams = new ClassMaps(ids, Height, Width, data);
            var gt = new byte[Height * Width];
            for (int j = 0; j < gt.Length; j++) gt[j] = rng.NextDouble() < 0.05 ? (byte)255 : (byte)(j / Width < Height / 2 ? 0 : ids[0]);
            var gtMap = new LabelMap(Height, Width, gt);
            _cams.Add(cams);
            _sweepItems.Add(new CamWithGroundTruth(cams, gtMap));
            _pairs.Add(new LabelPair(ThresholdLabeling.Label(cams, _rule), gtMap));
        }
        _thresholds = ThresholdSweep.Range(0, 0.59, 0.01);

        _mapsHost = _cams.SelectMany(c => c.Data).ToArray();
        _labelsHost = new byte[Images * Height * Width];
        _mapsBuffer = _vk.CreateBuffer(VulkanBufferAccess.ReadOnly, (ulong)_mapsHost.Length * 4);
        _labelBuffer = _vk.CreateBuffer(VulkanBufferAccess.ReadWrite, (ulong)_labelsHost.Length);

        // Warm pipelines and pooled buffers so the first measured call does not build them.
        ThresholdLabeling.Label(_vk, _cams, _rule);
        new ThresholdSweep(_thresholds, Classes).Add(_vk, _sweepItems);
        ConfusionCounting.Count(_vk, _pairs, new ConfusionOptions(Classes));
        ThresholdConfusion.Count(_vk, _sweepItems, _rule, new ConfusionOptions(Classes));
        _vk.ResetTimings();
        _calls = 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_calls > 0)
        {
            var t = _vk.Timings;
            double n = _calls;
            Console.WriteLine($"// {_measured} per call over {_calls} calls: pack {t.HostPackMs / n:F3} ms, GPU upload {t.GpuUploadMs / n:F3} ms, " +
                              $"GPU compute {t.GpuComputeMs / n:F3} ms, GPU readback {t.GpuReadbackMs / n:F3} ms, unpack {t.HostUnpackMs / n:F3} ms, " +
                              $"submit+wait {t.SubmitWaitMs / n:F3} ms{(t.HasGpuTimestamps ? "" : " (no GPU timestamps)")}");
        }
        _vk.Dispose();
    }

    [Benchmark]
    public LabelMap[] Threshold_Cpu() => ThresholdLabeling.Label(_cpu, _cams, _rule);

    [Benchmark]
    public LabelMap[] Threshold_Vulkan()
    {
        _calls++;
        _measured = nameof(Threshold_Vulkan);
        return ThresholdLabeling.Label(_vk, _cams, _rule);
    }

    [Benchmark]
    public ConfusionMatrix Sweep_Cpu()
    {
        var sweep = new ThresholdSweep(_thresholds, Classes);
        sweep.Add(_cpu, _sweepItems);
        return sweep.ConfusionAt(0);
    }

    [Benchmark]
    public ConfusionMatrix Sweep_Vulkan()
    {
        _calls++;
        _measured = nameof(Sweep_Vulkan);
        var sweep = new ThresholdSweep(_thresholds, Classes);
        sweep.Add(_vk, _sweepItems);
        return sweep.ConfusionAt(0);
    }

    [Benchmark]
    public ConfusionMatrix Confusion_Cpu() => ConfusionCounting.Count(_cpu, _pairs, new ConfusionOptions(Classes));

    [Benchmark]
    public ConfusionMatrix Confusion_Vulkan()
    {
        _calls++;
        _measured = nameof(Confusion_Vulkan);
        return ConfusionCounting.Count(_vk, _pairs, new ConfusionOptions(Classes));
    }

    /// <summary>Constant-threshold eval on the CPU: each image labelled and counted on one thread.</summary>
    [Benchmark]
    public ConfusionMatrix ThresholdEval_Cpu() => ThresholdConfusion.Count(_cpu, _sweepItems, _rule, new ConfusionOptions(Classes));

    /// <summary>Constant-threshold eval as two GPU passes: labels down to the host, then up again to be counted.</summary>
    [Benchmark]
    public ConfusionMatrix ThresholdEval_TwoPasses_Vulkan()
    {
        _calls++;
        _measured = nameof(ThresholdEval_TwoPasses_Vulkan);
        var labels = ThresholdLabeling.Label(_vk, _cams, _rule);
        return ConfusionCounting.Count(_vk, labels.Select((l, i) => new LabelPair(l, _sweepItems[i].GroundTruth)).ToArray(), new ConfusionOptions(Classes));
    }

    /// <summary>Constant-threshold eval as one fused GPU pass from CAM to confusion matrix (what <c>wsss eval --threshold</c> runs).</summary>
    [Benchmark]
    public ConfusionMatrix ThresholdEval_Fused_Vulkan()
    {
        _calls++;
        _measured = nameof(ThresholdEval_Fused_Vulkan);
        return ThresholdConfusion.Count(_vk, _sweepItems, _rule, new ConfusionOptions(Classes));
    }

    /// <summary>The threshold and sweep kernels' input: all maps of the batch, host to device (through staging on discrete GPUs).</summary>
    [Benchmark]
    public void Upload_Maps_Vulkan()
    {
        var stream = _vk.RentStream();
        try
        {
            stream.Upload<float>(_mapsBuffer, 0, _mapsHost);
            stream.Submit("upload benchmark");
        }
        finally
        {
            _vk.ReturnStream(stream);
        }
    }

    /// <summary>The threshold kernel's output (and the confusion kernel's input size): one byte per pixel, device to host.</summary>
    [Benchmark]
    public void Readback_Labels_Vulkan()
    {
        var stream = _vk.RentStream();
        try
        {
            var download = stream.Download(_labelBuffer, 0, (ulong)_labelsHost.Length);
            stream.Submit("readback benchmark");
            stream.Read<byte>(download).CopyTo(_labelsHost);
        }
        finally
        {
            _vk.ReturnStream(stream);
        }
    }
}
