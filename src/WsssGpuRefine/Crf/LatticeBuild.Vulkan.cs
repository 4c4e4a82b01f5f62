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
        // A cached lattice is held through a lease (ending it, not disposing the lattice, is this image's release).
        var lease = DeviceCacheKey is null ? null
            : DeviceLatticeCache.Of(vulkan).Get(DeviceCacheKey, () => DeviceLattice.Build(vulkan, Features(), Dimension));
        var device = DeviceCacheKey is null ? DeviceLattice.Build(vulkan, Features(), Dimension) : lease?.Lattice;
        if (device is null) return new PreparedKernel(BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu);
        return new PreparedKernel(device, () => BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu, release: lease);
    }
}
