using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// Lists Vulkan devices without creating a logical device, and picks the best one. Never throws:
/// a missing loader or driver gives an empty listing with the reason.
/// </summary>
public static class VulkanDevices
{
    /// <summary>Environment variable naming (by case-insensitive substring) the device to use; for tests and multi-GPU machines.</summary>
    public const string DeviceEnvironmentVariable = "WSSS_VULKAN_DEVICE";

    /// <summary>Every device the system's Vulkan loader reports, with usability; never throws (an empty listing carries the reason).</summary>
    public static VulkanDeviceListing Enumerate() => Enumerate(loaderLibrary: null);

    /// <summary>Test seam: <paramref name="loaderLibrary"/> names the loader to load instead of the system's.</summary>
    internal static VulkanDeviceListing Enumerate(string? loaderLibrary)
    {
        try
        {
            using var ctx = VulkanContext.TryCreate(loaderLibrary, debugMessenger: false, validationLayer: false, out var failure);
            if (ctx is null)
                return new VulkanDeviceListing([], failure ?? "Vulkan is not available");
            var devices = Query(ctx).Select(d => d.Info).ToList();
            return devices.Count == 0
                ? new VulkanDeviceListing([], "the Vulkan loader found no device (no driver/ICD installed)")
                : new VulkanDeviceListing(devices, null);
        }
        catch (Exception e)
        {
            return new VulkanDeviceListing([], $"listing Vulkan devices failed: {e.Message}");
        }
    }

    /// <summary>
    /// The best usable device: discrete over integrated over virtual over other, then the software
    /// driver only when <paramref name="allowSoftware"/>; ties go to more device-local memory, then
    /// enumeration order. <paramref name="nameFilter"/> keeps only names containing it (case-insensitive).
    /// </summary>
    public static VulkanDeviceInfo? PickBest(IEnumerable<VulkanDeviceInfo> devices, bool allowSoftware, string? nameFilter = null) =>
        devices
            .Where(d => d.IsUsable && (allowSoftware || !d.IsSoftware))
            .Where(d => string.IsNullOrEmpty(nameFilter) || d.Name.Contains(nameFilter, StringComparison.OrdinalIgnoreCase))
            .OrderBy(d => Rank(d.Type))
            .ThenByDescending(d => d.DeviceLocalMemoryBytes)
            .ThenBy(d => d.Index)
            .FirstOrDefault();

    /// <summary>The device filter from <see cref="DeviceEnvironmentVariable"/>, or null.</summary>
    public static string? DeviceFilterFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(DeviceEnvironmentVariable);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static int Rank(VulkanDeviceType type) => type switch
    {
        VulkanDeviceType.DiscreteGpu => 0,
        VulkanDeviceType.IntegratedGpu => 1,
        VulkanDeviceType.VirtualGpu => 2,
        VulkanDeviceType.Other => 3,
        _ => 4,
    };

    internal readonly record struct PhysicalDeviceEntry(PhysicalDevice Handle, VulkanDeviceInfo Info, uint ComputeQueueFamily,
        uint TimestampValidBits, float TimestampPeriodNs);

    internal static unsafe List<PhysicalDeviceEntry> Query(VulkanContext ctx)
    {
        var vk = ctx.Vk;
        uint count = 0;
        vk.EnumeratePhysicalDevices(ctx.Instance, &count, null).Check("listing physical devices");
        var handles = new PhysicalDevice[count];
        fixed (PhysicalDevice* p = handles)
            vk.EnumeratePhysicalDevices(ctx.Instance, &count, p).Check("listing physical devices");

        var list = new List<PhysicalDeviceEntry>();
        for (int i = 0; i < count; i++)
        {
            var pd = handles[i];
            PhysicalDeviceProperties props;
            vk.GetPhysicalDeviceProperties(pd, &props);
            uint subgroupSize = 0;
            if (props.ApiVersion >= Vk.Version11)
            {
                var subgroup = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties };
                var props2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &subgroup };
                vk.GetPhysicalDeviceProperties2(pd, &props2);
                subgroupSize = subgroup.SubgroupSize;
            }
            ulong maxAllocation = 0;
            if (props.ApiVersion >= Vk.Version11)
            {
                var maint3 = new PhysicalDeviceMaintenance3Properties { SType = StructureType.PhysicalDeviceMaintenance3Properties };
                var props2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &maint3 };
                vk.GetPhysicalDeviceProperties2(pd, &props2);
                maxAllocation = maint3.MaxMemoryAllocationSize;
            }

            PhysicalDeviceMemoryProperties memory;
            vk.GetPhysicalDeviceMemoryProperties(pd, &memory);
            ulong deviceLocal = 0;
            for (int h = 0; h < memory.MemoryHeapCount; h++)
                if ((memory.MemoryHeaps[h].Flags & MemoryHeapFlags.DeviceLocalBit) != 0)
                    deviceLocal += memory.MemoryHeaps[h].Size;

            uint familyCount = 0;
            vk.GetPhysicalDeviceQueueFamilyProperties(pd, &familyCount, null);
            var families = new QueueFamilyProperties[familyCount];
            fixed (QueueFamilyProperties* f = families)
                vk.GetPhysicalDeviceQueueFamilyProperties(pd, &familyCount, f);
            // Prefer a compute-only family: on discrete GPUs it is the async-compute queue, free of graphics work.
            int computeFamily = -1;
            for (int q = 0; q < familyCount; q++)
            {
                var flags = families[q].QueueFlags;
                if ((flags & QueueFlags.ComputeBit) == 0) continue;
                if (computeFamily < 0 || (flags & QueueFlags.GraphicsBit) == 0 && (families[computeFamily].QueueFlags & QueueFlags.GraphicsBit) != 0)
                    computeFamily = q;
            }

            var l = props.Limits;
            var limits = new VulkanDeviceLimits(
                l.MaxStorageBufferRange,
                l.MaxComputeWorkGroupCount[0], l.MaxComputeWorkGroupCount[1], l.MaxComputeWorkGroupCount[2],
                l.MaxComputeWorkGroupInvocations, l.MaxComputeSharedMemorySize, l.MaxPushConstantsSize,
                maxAllocation, subgroupSize);

            string? unusable = props.ApiVersion < Vk.Version11
                ? $"supports only Vulkan {VulkanContext.FormatVersion(props.ApiVersion)} (1.1 needed)"
                : computeFamily < 0 ? "has no compute queue" : null;

            var uuid = new byte[16];
            var idProps = new PhysicalDeviceIDProperties { SType = StructureType.PhysicalDeviceIDProperties };
            if (props.ApiVersion >= Vk.Version11)
            {
                var props2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &idProps };
                vk.GetPhysicalDeviceProperties2(pd, &props2);
                new ReadOnlySpan<byte>(idProps.DeviceUuid, 16).CopyTo(uuid);
            }

            var info = new VulkanDeviceInfo(
                Index: i,
                Name: SilkMarshal.PtrToString((nint)props.DeviceName) ?? $"device {i}",
                Type: (VulkanDeviceType)(int)props.DeviceType,
                DeviceLocalMemoryBytes: deviceLocal,
                ApiVersion: VulkanContext.FormatVersion(props.ApiVersion),
                VendorId: props.VendorID,
                DeviceId: props.DeviceID,
                DeviceUuid: new Guid(uuid),
                Limits: limits,
                IsUsable: unusable is null,
                UnusableReason: unusable);
            list.Add(new PhysicalDeviceEntry(pd, info, computeFamily < 0 ? 0u : (uint)computeFamily,
                computeFamily < 0 ? 0u : families[computeFamily].TimestampValidBits, l.TimestampPeriod));
        }
        return list;
    }
}
