using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

internal sealed partial record MeanFieldBatch
{
    /// <summary>
    /// All inferences in one submission (crf_splat, crf_blur, crf_slice_softmax) on the lattices the device
    /// built; a lattice built on the CPU (the device could not hold its build) is uploaded for the call, and a
    /// CRF whose buffers the device cannot hold runs on the CPU.
    /// </summary>
    public CrfResult[] OnVulkan(VulkanBackend vulkan)
    {
        if (Unaries.Count == 0) return [];
        if (!CrfVulkan.Fits(vulkan, Image.PixelCount, Kernels.Select(k => k.Kernel), Unaries.Max(u => u.LabelCount)))
            return RunCpu(vulkan);
        var uploaded = new List<DeviceLattice>(2);
        try
        {
            var lattices = new List<(DeviceLattice Lattice, float Compat)>(Kernels.Count);
            foreach (var (kernel, compat) in Kernels)
            {
                var device = kernel.Device;
                if (device is null)
                {
                    device = DeviceLattice.Upload(vulkan, kernel.Cpu);
                    uploaded.Add(device);
                }
                lattices.Add((device, compat));
            }
            return CrfVulkan.Run(vulkan, Unaries, lattices, Image.Parameters.Iterations, Image.Parameters.UnsureBelow);
        }
        finally
        {
            foreach (var device in uploaded) device.Dispose();
        }
    }
}
