using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

internal sealed partial record LatticeBuild
{
    /// <summary>
    /// The lattice built on the device (shaders/crf_lattice_*.hlsl, then crf_splat and crf_blur for the
    /// normalisation); the CPU builds it instead when the device cannot hold the build's buffers. A lattice with a
    /// <see cref="DeviceCacheKey"/> (the Gaussian kernel's) is built once per key and shared (<see cref="DeviceLatticeCache"/>).
    /// </summary>
    public PreparedKernel OnVulkan(VulkanBackend vulkan)
    {
        if (DeviceCacheKey is not null)
        {
            var lease = DeviceLatticeCache.Of(vulkan).Get(DeviceCacheKey, () => DeviceLattice.Build(vulkan, Features(), Dimension));
            if (lease is null) return new PreparedKernel(BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu);
            return new PreparedKernel(lease.Lattice, () => BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu, release: lease);
        }
        var device = DeviceLattice.Build(vulkan, Features(), Dimension);
        if (device is null) return new PreparedKernel(BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu);
        return new PreparedKernel(device, () => BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu);
    }
}
