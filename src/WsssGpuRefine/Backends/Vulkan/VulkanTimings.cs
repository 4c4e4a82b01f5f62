namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>Time spent by a <see cref="VulkanBackend"/>, split into transfers and compute (milliseconds).</summary>
public sealed class VulkanTimings
{
    /// <summary>Host time packing inputs into upload (staging or mapped) memory.</summary>
    public double HostPackMs { get; internal set; }
    /// <summary>GPU time of host-to-device copies (0 with direct mapping).</summary>
    public double GpuUploadMs { get; internal set; }
    /// <summary>GPU time of kernels and buffer fills.</summary>
    public double GpuComputeMs { get; internal set; }
    /// <summary>GPU time of device-to-host copies (0 with direct mapping).</summary>
    public double GpuReadbackMs { get; internal set; }
    /// <summary>Host time copying results out of readback memory.</summary>
    public double HostUnpackMs { get; internal set; }
    /// <summary>Host time from submit to fence (GPU busy plus scheduling).</summary>
    public double SubmitWaitMs { get; internal set; }
    /// <summary>Queue submissions counted (each one waits on a fence).</summary>
    public int Submissions { get; internal set; }
    /// <summary>False when the device reports no timestamp support: the Gpu* figures stay 0.</summary>
    public bool HasGpuTimestamps { get; internal set; }

    /// <summary>Everything that moves data: packing, copies, unpacking.</summary>
    public double TransferMs => HostPackMs + GpuUploadMs + GpuReadbackMs + HostUnpackMs;

    internal VulkanTimings Clone() => (VulkanTimings)MemberwiseClone();

    internal void Clear()
    {
        HostPackMs = GpuUploadMs = GpuComputeMs = GpuReadbackMs = HostUnpackMs = SubmitWaitMs = 0;
        Submissions = 0;
    }

    /// <summary>All figures on one line, in milliseconds, for logs and <c>--verbose</c> output.</summary>
    public override string ToString() =>
        $"pack {HostPackMs:F3} ms, upload {GpuUploadMs:F3} ms, compute {GpuComputeMs:F3} ms, readback {GpuReadbackMs:F3} ms, " +
        $"unpack {HostUnpackMs:F3} ms, submit+wait {SubmitWaitMs:F3} ms over {Submissions} submissions" +
        (HasGpuTimestamps ? "" : " (no GPU timestamps)");
}
