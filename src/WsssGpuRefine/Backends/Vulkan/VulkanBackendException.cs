using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// A Vulkan failure that is not the user's input: no device, device loss, out of memory, a driver
/// refusing a call. The message is one line meant for the user (the CLI prints it as <c>error: ...</c>).
/// </summary>
public sealed class VulkanBackendException : Exception
{
    /// <summary>A failure that is not a Vulkan call's result (no device, no matching device).</summary>
    /// <param name="message">One line for the user.</param>
    /// <param name="inner">The underlying failure, if any.</param>
    public VulkanBackendException(string message, Exception? inner = null) : base(message, inner) { }

    internal VulkanBackendException(string message, Result result) : base(message) => ResultCode = (int)result;

    /// <summary>The VkResult that caused it (0 when the failure is not a Vulkan call's result).</summary>
    public int ResultCode { get; }

    /// <summary>The device was lost (GPU reset, driver crash, kernel timeout): the backend is dead; create a new one or fall back to the CPU.</summary>
    public bool IsDeviceLost => ResultCode == (int)Result.ErrorDeviceLost;

    /// <summary>Device or host memory ran out; smaller batches may succeed.</summary>
    public bool IsOutOfMemory =>
        ResultCode is (int)Result.ErrorOutOfDeviceMemory or (int)Result.ErrorOutOfHostMemory;

    internal static VulkanBackendException FromResult(Result result, string what, string? deviceName) =>
        new(Describe(result, what, deviceName), result);

    private static string Describe(Result result, string what, string? deviceName)
    {
        string on = deviceName is null ? "" : $" on '{deviceName}'";
        return result switch
        {
            Result.ErrorDeviceLost =>
                $"the Vulkan device was lost{on} during {what} (GPU reset, driver crash or kernel timeout); " +
                "this backend can no longer be used: create a new one or run with --backend cpu",
            Result.ErrorOutOfDeviceMemory =>
                $"out of GPU memory{on} during {what}; use smaller batches or --backend cpu",
            Result.ErrorOutOfHostMemory =>
                $"out of host memory{on} during {what}",
            Result.ErrorInitializationFailed =>
                $"the Vulkan driver failed to initialise{on} during {what}",
            Result.ErrorIncompatibleDriver =>
                $"no compatible Vulkan driver (Vulkan 1.1 or newer is required) during {what}",
            _ => $"Vulkan call failed{on} during {what}: {result}",
        };
    }
}

internal static class VkResultExtensions
{
    /// <summary>Turns a failed VkResult into a <see cref="VulkanBackendException"/>.</summary>
    public static void Check(this Result result, string what, string? deviceName = null)
    {
        if (result != Result.Success)
            throw VulkanBackendException.FromResult(result, what, deviceName);
    }
}
