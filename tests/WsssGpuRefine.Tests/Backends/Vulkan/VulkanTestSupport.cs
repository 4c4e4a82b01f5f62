using System.Reflection;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using Xunit.Sdk;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

/// <summary>Whether this machine has a usable Vulkan device (lavapipe counts), computed once.</summary>
internal static class VulkanTestEnvironment
{
    private static readonly Lazy<VulkanDeviceListing> LazyListing = new(VulkanDevices.Enumerate);

    public static VulkanDeviceListing Listing => LazyListing.Value;

    public static bool Available => Listing.Devices.Any(d => d.IsUsable);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string UnavailableReason =>
        $"no Vulkan device ({Listing.UnavailableReason ?? "none usable"}); install mesa-vulkan-drivers for lavapipe";
}

/// <summary>
/// A test that needs a Vulkan device. Without one it is skipped with the reason on a developer machine,
/// but it runs (and fails in the fixture) when CI=true: CI has lavapipe, so a missing driver is a CI bug.
/// </summary>
public sealed class VulkanFactAttribute : FactAttribute
{
    public VulkanFactAttribute()
    {
        if (!VulkanTestEnvironment.Available && !VulkanTestEnvironment.IsCi)
            Skip = VulkanTestEnvironment.UnavailableReason;
    }
}

/// <summary>
/// The backends the tests share: the CPU, and Vulkan created once on the best device (lavapipe in CI) in three
/// configurations. <see cref="Get"/> resolves the names <see cref="AllBackendsAttribute"/> hands to a theory.
/// </summary>
public sealed class VulkanFixture : IDisposable
{
    private readonly Lazy<VulkanBackend> _backend;
    private readonly Lazy<VulkanBackend> _staging;
    private readonly Lazy<VulkanBackend> _tinyChunks;

    public VulkanFixture()
    {
        // A device filter from the environment (WSSS_VULKAN_DEVICE) picks the device the tests run on.
        string? filter = VulkanDevices.DeviceFilterFromEnvironment();
        _backend = new(() => Create(new VulkanBackendOptions { DeviceNameContains = filter, DebugMessenger = true }));
        _staging = new(() => Create(new VulkanBackendOptions { DeviceNameContains = filter, DebugMessenger = true, ForceStaging = true }));
        // 4 KiB chunks: a 513x257 image splits into dozens of pieces and a batch into many dispatches.
        _tinyChunks = new(() => Create(new VulkanBackendOptions { DeviceNameContains = filter, DebugMessenger = true, MaxChunkBytes = 4096 }));
    }

    private static VulkanBackend Create(VulkanBackendOptions options)
    {
        if (!VulkanTestEnvironment.Available)
            throw new InvalidOperationException($"CI=true but {VulkanTestEnvironment.UnavailableReason}");
        return VulkanBackend.Create(options);
    }

    /// <summary>Direct mapping where the device memory is host-visible (lavapipe, integrated GPUs).</summary>
    public VulkanBackend Backend => _backend.Value;

    /// <summary>Device-local buffers with staging copies, the discrete-GPU path.</summary>
    public VulkanBackend Staging => _staging.Value;

    /// <summary>Tiny buffer limit: every batch is cut into many chunks and images into pieces.</summary>
    public VulkanBackend TinyChunks => _tinyChunks.Value;

    public IEnumerable<VulkanBackend> All => [Backend, Staging, TinyChunks];

    /// <summary>The CPU path on every core.</summary>
    public CpuBackend Cpu { get; } = new();

    /// <summary>The backend a theory row names: "cpu", "vulkan", "vulkan-staging" or "vulkan-tiny-chunks".</summary>
    public ComputeBackend Get(string name) => name switch
    {
        AllBackendsAttribute.CpuName => Cpu,
        "vulkan" => Backend,
        "vulkan-staging" => Staging,
        "vulkan-tiny-chunks" => TinyChunks,
        _ => throw new ArgumentException($"unknown test backend '{name}'", nameof(name)),
    };

    public void Dispose()
    {
        if (_backend.IsValueCreated) _backend.Value.Dispose();
        if (_staging.IsValueCreated) _staging.Value.Dispose();
        if (_tinyChunks.IsValueCreated) _tinyChunks.Value.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class VulkanCollection : ICollectionFixture<VulkanFixture>
{
    public const string Name = "Vulkan";
}

/// <summary>A theory that needs a Vulkan device; skipped without one except in CI (see <see cref="VulkanFactAttribute"/>).</summary>
public sealed class VulkanTheoryAttribute : TheoryAttribute
{
    public VulkanTheoryAttribute()
    {
        if (!VulkanTestEnvironment.Available && !VulkanTestEnvironment.IsCi)
            Skip = VulkanTestEnvironment.UnavailableReason;
    }
}

/// <summary>
/// One theory row per backend configuration, so an operation's suite is written once and runs everywhere: "cpu"
/// always; the Vulkan configurations (direct mapping, forced staging, 4 KiB chunks) where a device exists, and always
/// under CI=true, where a missing device fails the row (<see cref="VulkanFixture"/>) instead of dropping it. Without a
/// device elsewhere, the [VulkanFact] tests of Backends/Vulkan show the skip and its reason.
/// </summary>
public sealed class AllBackendsAttribute : DataAttribute
{
    public const string CpuName = "cpu";

    /// <summary>The row names, in a fixed order.</summary>
    public static IEnumerable<string> Names =>
        VulkanTestEnvironment.Available || VulkanTestEnvironment.IsCi
            ? [CpuName, "vulkan", "vulkan-staging", "vulkan-tiny-chunks"]
            : [CpuName];

    /// <summary>Every backend name crossed with every row of <paramref name="rows"/> (backend first).</summary>
    public static IEnumerable<object[]> Cross(IEnumerable<object[]> rows) =>
        from name in Names from row in rows select (object[])[name, .. row];

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => Names.Select(n => new object[] { n });
}
