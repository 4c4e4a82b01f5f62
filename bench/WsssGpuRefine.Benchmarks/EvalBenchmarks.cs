using BenchmarkDotNet.Attributes;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Benchmarking;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Sweep;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// The peer timing job (bench/peers, bench/RESULTS.md): confusion matrix over 1464 in-memory VOC-size pairs (numpy/chainercv 1.27 s) and the
/// 60-threshold sweep over 1464 CAM sets (IRN-style 418 s, numpy max/argmax shortcut 75.6 s), CPU backend.
/// </summary>
[MemoryDiagnoser]
public class EvalBenchmarks
{
    private LabelPair[] _pairs = [];
    private CamWithGroundTruth[] _cams = [];
    private readonly double[] _thresholds = ThresholdSweep.Range(0, 0.59, 0.01);
    private readonly CpuBackend _cpu = new();

    [Params(1464)]
    public int Images { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var pool = VocSizeData.Pool(24);
        _pairs = VocSizeData.Repeat(pool.Select(p => new LabelPair(p.Predicted, p.Gt)).ToArray(), Images);
        _cams = VocSizeData.Repeat(pool.Select(p => new CamWithGroundTruth(p.Cams, p.Gt)).ToArray(), Images);
    }

    [Benchmark(Description = "confusion 1464 VOC pairs (cpu)")]
    public long Confusion() => ConfusionCounting.Count(_cpu, _pairs, new ConfusionOptions(21)).Total;

    [Benchmark(Description = "sweep 60 thresholds x 1464 VOC CAM sets (cpu)")]
    public long Sweep60()
    {
        var sweep = new ThresholdSweep(_thresholds, 21);
        sweep.Add(_cpu, _cams);
        return sweep.ConfusionAt(15).Total;
    }
}
