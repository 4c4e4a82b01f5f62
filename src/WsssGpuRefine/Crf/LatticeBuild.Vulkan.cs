using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

internal sealed partial record LatticeBuild
{
    /// <summary>
    /// The lattice built on the device (shaders/crf_lattice_*.hlsl, then crf_splat and crf_blur for the
    /// normalisation); the CPU builds it instead when the device cannot hold the build's buffers.
    /// </summary>
    public PreparedKernel OnVulkan(VulkanBackend vulkan)
    {
        var features = Features();
        var device = DeviceLattice.Build(vulkan, features, Dimension);
        if (device is null) return new PreparedKernel(BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu);
        return new PreparedKernel(device, () => BuildCpu(vulkan.ParallelOptions), ownsCpu: !SharedCpu);
    }
}
