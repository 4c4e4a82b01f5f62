namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>Mirror of VkPhysicalDeviceType, kept apart so callers need no Silk.NET reference.</summary>
public enum VulkanDeviceType
{
    /// <summary>A device of no other type; <c>auto</c> ranks it last among hardware devices.</summary>
    Other = 0,
    /// <summary>A GPU sharing memory with the CPU; host-visible memory, no staging copies.</summary>
    IntegratedGpu = 1,
    /// <summary>A GPU with its own memory; <c>auto</c> prefers it; transfers go through staging copies.</summary>
    DiscreteGpu = 2,
    /// <summary>A GPU exposed by a hypervisor.</summary>
    VirtualGpu = 3,
    /// <summary>A software rasteriser such as Mesa's lavapipe (llvmpipe): correct, but slower than the CPU path.</summary>
    Cpu = 4,
}

/// <summary>The device limits the kernels size their dispatches by.</summary>
public sealed record VulkanDeviceLimits(
    ulong MaxStorageBufferRange,
    uint MaxComputeWorkGroupCountX,
    uint MaxComputeWorkGroupCountY,
    uint MaxComputeWorkGroupCountZ,
    uint MaxComputeWorkGroupInvocations,
    uint MaxComputeSharedMemorySize,
    uint MaxPushConstantsSize,
    ulong MaxMemoryAllocationSize,
    uint SubgroupSize);

/// <summary>One physical device as the Vulkan loader reports it.</summary>
/// <param name="Index">Position in the loader's enumeration order.</param>
/// <param name="Name">The driver's device name, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM 15.0.6, 256 bits)".</param>
/// <param name="Type">Discrete, integrated, virtual, software (Cpu) or other.</param>
/// <param name="DeviceLocalMemoryBytes">Sum of the device-local memory heaps.</param>
/// <param name="VendorId">PCI vendor id (0x10DE NVIDIA, 0x1002 AMD, 0x8086 Intel, 0x10005 Mesa).</param>
/// <param name="DeviceId">Vendor-specific device id.</param>
/// <param name="Limits">The limits the kernels size their dispatches by.</param>
/// <param name="ApiVersion">The device's Vulkan version, e.g. "1.3.230".</param>
/// <param name="DeviceUuid">Stable identity across instances (used to reopen the same device).</param>
/// <param name="IsUsable">Vulkan 1.1+ and a compute queue: the kernels can run on it.</param>
/// <param name="UnusableReason">Why not, when <paramref name="IsUsable"/> is false.</param>
public sealed record VulkanDeviceInfo(
    int Index,
    string Name,
    VulkanDeviceType Type,
    ulong DeviceLocalMemoryBytes,
    string ApiVersion,
    uint VendorId,
    uint DeviceId,
    Guid DeviceUuid,
    VulkanDeviceLimits Limits,
    bool IsUsable,
    string? UnusableReason)
{
    /// <summary>A software driver (VkPhysicalDeviceType.Cpu); <c>auto</c> never picks one.</summary>
    public bool IsSoftware => Type == VulkanDeviceType.Cpu;

    /// <summary>The type in words, e.g. "discrete GPU" or "software (CPU)".</summary>
    public string TypeName => Type switch
    {
        VulkanDeviceType.DiscreteGpu => "discrete GPU",
        VulkanDeviceType.IntegratedGpu => "integrated GPU",
        VulkanDeviceType.VirtualGpu => "virtual GPU",
        VulkanDeviceType.Cpu => "software (CPU)",
        _ => "other",
    };

    /// <summary>"NAME (TYPE)", the form the backends' <c>DeviceName</c> uses.</summary>
    public override string ToString() => $"{Name} ({TypeName})";
}

/// <summary>
/// What <see cref="VulkanDevices.Enumerate()"/> found. When <see cref="Devices"/> is empty,
/// <see cref="UnavailableReason"/> says why (no loader, no driver, instance creation failed).
/// </summary>
public sealed record VulkanDeviceListing(IReadOnlyList<VulkanDeviceInfo> Devices, string? UnavailableReason)
{
    /// <summary>True when the loader reported at least one device (usable or not).</summary>
    public bool IsAvailable => Devices.Count > 0;
}
