using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

[Collection(VulkanCollection.Name)]
public sealed class BackendFactoryTests
{
    [Fact]
    public void Cpu_is_the_cpu_backend_without_messages()
    {
        var messages = new List<string>();
        using var backend = BackendFactory.Create(BackendPreference.Cpu, messages.Add);
        Assert.IsType<CpuBackend>(backend);
        Assert.Empty(messages);
    }

    [VulkanFact]
    public void Auto_never_picks_a_software_driver()
    {
        var messages = new List<string>();
        using var backend = BackendFactory.Create(BackendPreference.Auto, messages.Add, deviceFilter: null, options: null);
        bool realGpu = VulkanDevices.PickBest(VulkanTestEnvironment.Listing.Devices, allowSoftware: false) is not null;
        if (realGpu)
        {
            var vk = Assert.IsType<VulkanBackend>(backend);
            Assert.False(vk.Device.IsSoftware);
            Assert.Empty(messages);
        }
        else
        {
            Assert.IsType<CpuBackend>(backend);
            var line = Assert.Single(messages);
            var soft = VulkanTestEnvironment.Listing.Devices.First(d => d.IsSoftware);
            Assert.Equal($"info: no Vulkan GPU found (only software driver '{soft.Name}'); using the CPU path", line);
        }
    }

    [VulkanFact]
    public void Vulkan_accepts_the_software_driver()
    {
        using var backend = BackendFactory.Create(BackendPreference.Vulkan, info: null, deviceFilter: null, options: null);
        var vk = Assert.IsType<VulkanBackend>(backend);
        Assert.Equal("vulkan", vk.Name);
        Assert.Equal(BackendKind.Vulkan, vk.Kind);
        Assert.Equal(VulkanDevices.PickBest(VulkanTestEnvironment.Listing.Devices, allowSoftware: true)!.Name, vk.Device.Name);
    }

    [VulkanFact]
    public void Device_filter_selects_by_name_or_fails_clearly()
    {
        var first = VulkanTestEnvironment.Listing.Devices.First(d => d.IsUsable);
        string part = first.Name[..Math.Min(5, first.Name.Length)].ToUpperInvariant();
        using (var backend = BackendFactory.Create(BackendPreference.Vulkan, null, part, null))
            Assert.Contains(part, ((VulkanBackend)backend).Device.Name, StringComparison.OrdinalIgnoreCase);

        var error = Assert.Throws<VulkanBackendException>(() => BackendFactory.Create(BackendPreference.Vulkan, null, "no-such-gpu-xyz", null));
        Assert.Contains("WSSS_VULKAN_DEVICE='no-such-gpu-xyz'", error.Message);

        var messages = new List<string>();
        using var auto = BackendFactory.Create(BackendPreference.Auto, messages.Add, "no-such-gpu-xyz", null);
        Assert.IsType<CpuBackend>(auto);
        Assert.Contains("no-such-gpu-xyz", Assert.Single(messages));
    }

    [VulkanFact]
    public void Creating_a_backend_for_no_matching_device_lists_what_was_found()
    {
        var error = Assert.Throws<VulkanBackendException>(() => VulkanBackend.Create(new VulkanBackendOptions { DeviceNameContains = "no-such-gpu-xyz" }));
        Assert.StartsWith("no usable Vulkan device matches 'no-such-gpu-xyz' (found: ", error.Message);
        Assert.Contains(VulkanTestEnvironment.Listing.Devices[0].Name, error.Message);
    }

    [Fact]
    public void Missing_loader_falls_back_or_fails_clearly()
    {
        var options = new VulkanBackendOptions { LoaderLibrary = "libvulkan-that-does-not-exist.so.7" };
        var messages = new List<string>();
        using var auto = BackendFactory.Create(BackendPreference.Auto, messages.Add, null, options);
        Assert.IsType<CpuBackend>(auto);
        Assert.Contains("loader", Assert.Single(messages));
        var error = Assert.Throws<VulkanBackendException>(() => BackendFactory.Create(BackendPreference.Vulkan, null, null, options));
        Assert.StartsWith("--backend vulkan: no Vulkan device found: ", error.Message);
    }
}
