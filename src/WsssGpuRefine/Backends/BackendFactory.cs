using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Backends;

/// <summary>Turns <c>--backend auto|cpu|vulkan</c> into a backend.</summary>
public static class BackendFactory
{
    /// <summary>
    /// <see cref="BackendPreference.Auto"/>: the best real GPU (discrete &gt; integrated &gt; virtual), never a
    /// software driver; without one, the CPU path and ONE line through <paramref name="info"/> saying why.
    /// <see cref="BackendPreference.Vulkan"/>: the best device, software drivers included; throws
    /// <see cref="VulkanBackendException"/> when there is none. <see cref="BackendPreference.Cpu"/>: the CPU path.
    /// The environment variable WSSS_VULKAN_DEVICE (a name substring) narrows the Vulkan choice.
    /// </summary>
    public static ComputeBackend Create(BackendPreference pref, Action<string>? info = null) =>
        Create(pref, info, VulkanDevices.DeviceFilterFromEnvironment(), options: null);

    internal static ComputeBackend Create(BackendPreference pref, Action<string>? info, string? deviceFilter, VulkanBackendOptions? options)
    {
        switch (pref)
        {
            case BackendPreference.Cpu:
                return new CpuBackend();
            case BackendPreference.Vulkan:
            {
                var listing = options?.LoaderLibrary is null ? VulkanDevices.Enumerate() : VulkanDevices.Enumerate(options.LoaderLibrary);
                if (!listing.IsAvailable)
                    throw new VulkanBackendException($"--backend vulkan: no Vulkan device found: {listing.UnavailableReason}");
                var device = VulkanDevices.PickBest(listing.Devices, allowSoftware: true, deviceFilter)
                             ?? throw new VulkanBackendException($"--backend vulkan: {NoMatch(listing, deviceFilter, software: true)}");
                return VulkanBackend.Create(device, options);
            }
            case BackendPreference.Auto:
            {
                var listing = options?.LoaderLibrary is null ? VulkanDevices.Enumerate() : VulkanDevices.Enumerate(options.LoaderLibrary);
                var device = VulkanDevices.PickBest(listing.Devices, allowSoftware: false, deviceFilter);
                if (device is null)
                {
                    string why = !listing.IsAvailable ? listing.UnavailableReason ?? "Vulkan is not available"
                        : NoMatch(listing, deviceFilter, software: false);
                    info?.Invoke($"info: no Vulkan GPU found ({why}); using the CPU path");
                    return new CpuBackend();
                }
                try
                {
                    return VulkanBackend.Create(device, options);
                }
                catch (VulkanBackendException e)
                {
                    info?.Invoke($"info: Vulkan GPU '{device.Name}' could not be used ({e.Message}); using the CPU path");
                    return new CpuBackend();
                }
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(pref), pref, "unknown backend preference");
        }
    }

    private static string NoMatch(VulkanDeviceListing listing, string? filter, bool software)
    {
        var candidates = listing.Devices.Where(d => software || !d.IsSoftware).ToList();
        if (!string.IsNullOrEmpty(filter))
            return $"no usable device matches {VulkanDevices.DeviceEnvironmentVariable}='{filter}' (found: {Names(listing.Devices)})";
        if (candidates.Count == 0)
        {
            var soft = listing.Devices.Where(d => d.IsSoftware).Select(d => $"'{d.Name}'").ToList();
            return $"only software driver{(soft.Count > 1 ? "s" : "")} {string.Join(", ", soft)}";
        }
        return $"no device can run the kernels (found: {Names(listing.Devices)})";
    }

    private static string Names(IReadOnlyList<VulkanDeviceInfo> devices) =>
        string.Join(", ", devices.Select(d => d.IsUsable ? d.ToString() : $"{d} [{d.UnusableReason}]"));
}
