using System.Runtime.Intrinsics;

namespace WsssGpuRefine.Backends;

/// <summary>The SIMD + threads path; the default wherever no real GPU is present.</summary>
public sealed class CpuBackend : ComputeBackend
{
    public CpuBackend(int? maxDegreeOfParallelism = null)
    {
        if (maxDegreeOfParallelism is <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), "must be positive");
        MaxDegreeOfParallelism = maxDegreeOfParallelism ?? Environment.ProcessorCount;
    }

    /// <summary>A shared instance using every core.</summary>
    public static CpuBackend Shared { get; } = new();

    public int MaxDegreeOfParallelism { get; }

    public ParallelOptions ParallelOptions => new() { MaxDegreeOfParallelism = MaxDegreeOfParallelism };

    public override BackendKind Kind => BackendKind.Cpu;

    public override string DeviceName =>
        $"CPU ({MaxDegreeOfParallelism} threads, {(Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : Vector128.IsHardwareAccelerated ? "SIMD128" : "scalar")})";
}
