using System.Runtime.InteropServices;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

[Collection(VulkanCollection.Name)]
public sealed class VulkanDevicesTests
{
    [VulkanFact]
    public void Listing_reports_names_types_memory_and_limits()
    {
        var listing = VulkanDevices.Enumerate();
        Assert.True(listing.IsAvailable, listing.UnavailableReason);
        Assert.Null(listing.UnavailableReason);
        foreach (var d in listing.Devices)
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Name));
            Assert.Equal(d.Type == VulkanDeviceType.Cpu, d.IsSoftware);
            Assert.True(d.DeviceLocalMemoryBytes > 0);
            // Vulkan's guaranteed minimums: 2^27 bytes of storage range, 65535 workgroups, 16 KiB shared, 128 B push constants.
            Assert.True(d.Limits.MaxStorageBufferRange >= 1u << 27);
            Assert.True(d.Limits.MaxComputeWorkGroupCountX >= 65535);
            Assert.True(d.Limits.MaxComputeSharedMemorySize >= 16384);
            Assert.True(d.Limits.MaxPushConstantsSize >= 128);
            if (d.IsUsable) Assert.True(d.Limits.SubgroupSize >= 1);
        }
    }

    [VulkanFact]
    public void Lavapipe_is_listed_as_software()
    {
        var llvmpipe = VulkanDevices.Enumerate().Devices.FirstOrDefault(d => d.Name.Contains("llvmpipe", StringComparison.Ordinal));
        if (llvmpipe is null) return; // another driver only: nothing to check here
        Assert.Equal(VulkanDeviceType.Cpu, llvmpipe.Type);
        Assert.True(llvmpipe.IsSoftware);
        Assert.Equal("software (CPU)", llvmpipe.TypeName);
    }

    [Fact]
    public void Missing_loader_gives_an_empty_listing_with_a_reason()
    {
        var listing = VulkanDevices.Enumerate(loaderLibrary: "libvulkan-that-does-not-exist.so.7");
        Assert.Empty(listing.Devices);
        Assert.False(listing.IsAvailable);
        Assert.Contains("loader", listing.UnavailableReason);
    }

    [VulkanFact]
    public void Missing_driver_gives_an_empty_listing_with_a_reason()
    {
        // The loader reads VK_DRIVER_FILES / VK_ICD_FILENAMES from the native environment when an instance
        // is created; .NET's Environment.SetEnvironmentVariable does not reach it, so set it through libc.
        using (new NativeEnvironment(("VK_DRIVER_FILES", "/nonexistent/icd.json"), ("VK_ICD_FILENAMES", "/nonexistent/icd.json")))
        {
            var listing = VulkanDevices.Enumerate();
            Assert.Empty(listing.Devices);
            Assert.False(string.IsNullOrWhiteSpace(listing.UnavailableReason));

            var messages = new List<string>();
            using var auto = BackendFactory.Create(BackendPreference.Auto, messages.Add);
            Assert.IsType<CpuBackend>(auto);
            var line = Assert.Single(messages);
            Assert.StartsWith("info: no Vulkan GPU found (", line);
            Assert.EndsWith("); using the CPU path", line);

            var error = Assert.Throws<VulkanBackendException>(() => BackendFactory.Create(BackendPreference.Vulkan));
            Assert.Contains("no Vulkan device", error.Message);
        }
        Assert.True(VulkanDevices.Enumerate().IsAvailable, "the driver is back once the variables are restored");
    }

    [Fact]
    public void Pick_best_prefers_discrete_then_integrated_and_never_software_unless_allowed()
    {
        var limits = new VulkanDeviceLimits(1 << 27, 65535, 65535, 65535, 1024, 32768, 128, 1UL << 31, 32);
        VulkanDeviceInfo Device(int index, string name, VulkanDeviceType type, ulong memory = 1 << 30, bool usable = true) =>
            new(index, name, type, memory, "1.3.0", 0, 0, Guid.NewGuid(), limits, usable, usable ? null : "has no compute queue");

        var soft = Device(0, "llvmpipe", VulkanDeviceType.Cpu);
        var igpu = Device(1, "Intel UHD", VulkanDeviceType.IntegratedGpu);
        var dgpuSmall = Device(2, "NVIDIA T4", VulkanDeviceType.DiscreteGpu, 16UL << 30);
        var dgpuBig = Device(3, "NVIDIA H100", VulkanDeviceType.DiscreteGpu, 80UL << 30);
        var broken = Device(4, "NVIDIA Broken", VulkanDeviceType.DiscreteGpu, 200UL << 30, usable: false);
        var virt = Device(5, "virtio", VulkanDeviceType.VirtualGpu);

        VulkanDeviceInfo[] all = [soft, igpu, dgpuSmall, dgpuBig, broken, virt];
        Assert.Same(dgpuBig, VulkanDevices.PickBest(all, allowSoftware: false));
        Assert.Same(dgpuSmall, VulkanDevices.PickBest(all, allowSoftware: false, nameFilter: "t4"));
        Assert.Same(igpu, VulkanDevices.PickBest([soft, igpu, virt], allowSoftware: false));
        Assert.Same(virt, VulkanDevices.PickBest([soft, virt], allowSoftware: false));
        Assert.Null(VulkanDevices.PickBest([soft, broken], allowSoftware: false));
        Assert.Same(soft, VulkanDevices.PickBest([soft, broken], allowSoftware: true));
        Assert.Null(VulkanDevices.PickBest(all, allowSoftware: true, nameFilter: "radeon"));
    }

    /// <summary>Sets native environment variables for a scope and restores them.</summary>
    private sealed class NativeEnvironment : IDisposable
    {
        private readonly (string Name, string? Old)[] _saved;

        public NativeEnvironment(params (string Name, string Value)[] variables)
        {
            _saved = variables.Select(v => (v.Name, Marshal.PtrToStringUTF8(getenv(v.Name)))).ToArray();
            foreach (var (name, value) in variables) Assert.Equal(0, setenv(name, value, 1));
        }

        public void Dispose()
        {
            foreach (var (name, old) in _saved)
                if (old is null) unsetenv(name);
                else setenv(name, old, 1);
        }

        [DllImport("libc", CharSet = CharSet.Ansi)] private static extern nint getenv(string name);
        [DllImport("libc", CharSet = CharSet.Ansi)] private static extern int setenv(string name, string value, int overwrite);
        [DllImport("libc", CharSet = CharSet.Ansi)] private static extern int unsetenv(string name);
    }
}
