using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

// Queue submission and fence waits; device loss is remembered so later calls fail fast.
public sealed unsafe partial class VulkanBackend
{
    /// <summary>Submits to the compute queue; <see cref="WaitForFence"/> waits for it.</summary>
    internal void Submit(CommandBuffer commands, Fence fence, string what)
    {
        var submit = new SubmitInfo
        {
            SType = StructureType.SubmitInfo,
            CommandBufferCount = 1,
            PCommandBuffers = &commands,
        };
        ThrowIfDisposed();
        try
        {
            lock (_lock)
                _vk.QueueSubmit(_queue, 1, &submit, fence).Check($"submitting {what}", Device.Name);
        }
        catch (VulkanBackendException e) when (e.IsDeviceLost)
        {
            _deviceLost = true;
            throw;
        }
    }

    /// <summary>Waits for a submission, turning device loss and validation errors into exceptions.</summary>
    internal void WaitForFence(Fence fence, string what)
    {
        try
        {
            // The driver's watchdog turns a hung kernel into device loss, which ends this loop.
            Result r;
            do r = _vk.WaitForFences(_device, 1, &fence, true, 10_000_000_000UL);
            while (r == Result.Timeout);
            r.Check($"waiting for {what}", Device.Name);
        }
        catch (VulkanBackendException e) when (e.IsDeviceLost)
        {
            _deviceLost = true;
            throw;
        }
        _context.ThrowIfValidationErrors(what);
    }
}
