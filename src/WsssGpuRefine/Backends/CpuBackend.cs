using System.Runtime.Intrinsics;

namespace WsssGpuRefine.Backends;

/// <summary>The SIMD + threads path; the default wherever no real GPU is present.</summary>
public sealed class CpuBackend : ComputeBackend
{
    /// <summary>A CPU backend limited to a number of threads.</summary>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; null uses every core (<see cref="Environment.ProcessorCount"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">The limit is zero or negative.</exception>
    public CpuBackend(int? maxDegreeOfParallelism = null)
    {
        if (maxDegreeOfParallelism is <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), "must be positive");
        MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount;
    }

    /// <summary>A shared instance using every core.</summary>
    public static CpuBackend Shared { get; } = new();

    /// <summary>Threads the operations use at most (per-row and per-image parallel loops).</summary>
    public override int MaxDegreeOfParallelism { get; }

    /// <summary>As many images at once as threads: each image is refined on one thread.</summary>
    public override int ConcurrentImages => MaxDegreeOfParallelism;

    internal override TResult Run<TResult>(IBackendOperation<TResult> operation) => operation.OnCpu(this);

    /// <summary>Always <see cref="BackendKind.Cpu"/>.</summary>
    public override BackendKind Kind => BackendKind.Cpu;

    /// <summary>"CPU (N threads, ISA)", the widest SIMD the runtime accelerates (AVX-512, AVX2, SIMD128 or scalar).</summary>
    public override string DeviceName =>
        $"CPU ({MaxDegreeOfParallelism} threads, {(Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : Vector128.IsHardwareAccelerated ? "SIMD128" : "scalar")})";
}
