using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

internal sealed partial record MeanFieldBatch
{
    /// <summary>All inferences in one submission (crf_splat, crf_blur, crf_slice_softmax); an image the device cannot hold runs on the CPU.</summary>
    public CrfResult[] OnVulkan(VulkanBackend vulkan)
    {
        if (Unaries.Count > 0 && CrfVulkan.Fits(vulkan, Image, Unaries.Max(u => u.LabelCount)))
            return CrfVulkan.Run(vulkan, Unaries, Kernels, Image.Parameters.Iterations, Image.Parameters.UnsureBelow);
        return RunCpu(vulkan);
    }
}
