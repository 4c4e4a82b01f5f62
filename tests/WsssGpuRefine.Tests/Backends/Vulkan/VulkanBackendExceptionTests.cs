using Silk.NET.Vulkan;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

public sealed class VulkanBackendExceptionTests
{
    [Fact]
    public void Device_loss_says_the_backend_is_unusable_and_how_to_go_on()
    {
        var e = VulkanBackendException.FromResult(Result.ErrorDeviceLost, "sweep_histogram", "NVIDIA H100");
        Assert.True(e.IsDeviceLost);
        Assert.False(e.IsOutOfMemory);
        Assert.Equal("the Vulkan device was lost on 'NVIDIA H100' during sweep_histogram (GPU reset, driver crash or kernel timeout); " +
                     "this backend can no longer be used: create a new one or run with --backend cpu", e.Message);
    }

    [Fact]
    public void Out_of_memory_names_what_was_being_allocated()
    {
        var e = VulkanBackendException.FromResult(Result.ErrorOutOfDeviceMemory, "allocating 512 MiB of ReadOnly memory", "llvmpipe");
        Assert.True(e.IsOutOfMemory);
        Assert.Equal("out of GPU memory on 'llvmpipe' during allocating 512 MiB of ReadOnly memory; use smaller batches or --backend cpu", e.Message);
        Assert.True(VulkanBackendException.FromResult(Result.ErrorOutOfHostMemory, "x", null).IsOutOfMemory);
    }

    [Fact]
    public void Other_results_keep_their_name()
    {
        var e = VulkanBackendException.FromResult(Result.ErrorFeatureNotPresent, "creating the logical device", "dev");
        Assert.Equal("Vulkan call failed on 'dev' during creating the logical device: ErrorFeatureNotPresent", e.Message);
        Assert.Equal((int)Result.ErrorFeatureNotPresent, e.ResultCode);
    }
}
