namespace WsssGpuRefine.Backends.Vulkan;

// Where time went: host packing and unpacking, GPU copies and compute.
public sealed unsafe partial class VulkanBackend
{
    /// <summary>Nanoseconds per GPU timestamp tick; 0 when the compute queue cannot time commands.</summary>
    internal float TimestampPeriodNs { get; }

    private readonly VulkanTimings _timings = new();

    /// <summary>
    /// Where time went since the last <see cref="ResetTimings"/>: host packing/unpacking (wall clock) and
    /// GPU upload copies, compute and readback copies (GPU timestamps, when the device has them). On
    /// host-visible memory there are no copies: transfers are the host packing and unpacking alone.
    /// </summary>
    public VulkanTimings Timings { get { lock (_lock) return _timings.Clone(); } }

    /// <summary>Zeroes <see cref="Timings"/>, e.g. between a warm-up and a measured run.</summary>
    public void ResetTimings() { lock (_lock) _timings.Clear(); }

    internal void AddTimings(Action<VulkanTimings> add) { lock (_lock) add(_timings); }

    /// <summary>Adds the host time since <paramref name="startTimestamp"/> (Stopwatch ticks) to packing or unpacking.</summary>
    internal void AddHostTime(long startTimestamp, bool unpacking)
    {
        double ms = System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        lock (_lock)
        {
            if (unpacking) _timings.HostUnpackMs += ms;
            else _timings.HostPackMs += ms;
        }
    }
}
