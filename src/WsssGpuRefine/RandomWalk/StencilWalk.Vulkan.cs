using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.RandomWalk;

internal sealed partial record StencilWalk
{
    /// <summary>The walk on the GPU; a grid too large for one binding or one dispatch walks on the CPU instead.</summary>
    public bool OnVulkan(VulkanBackend vulkan)
    {
        if (!RandomWalkVulkan.TryPropagate(vulkan, StencilTransition.Build(Stencil, Options.Beta, 1), Values, Channels, Options.Steps))
            PropagateCpu(vulkan);
        return true;
    }
}

/// <summary>
/// GPU side of the stencil walk: shaders/random_walk_step.hlsl, every step of one image recorded
/// into a single command buffer (ping-pong buffers, a barrier between dispatches), one readback.
/// </summary>
internal static class RandomWalkVulkan
{
    private const uint GroupSide = 16;

    /// <summary>shaders/random_walk_step.hlsl's push constants.</summary>
    [StructLayout(LayoutKind.Sequential), PushConstants("random_walk_step")]
    private struct StepParams
    {
        public uint Width;
        public uint Height;
        public uint RowStride;
        public uint Halo;
        public uint PlaneSize;
        public uint Directions;
        public uint Channels;
        public uint Pad0;
    }

    /// <summary>
    /// Applies T <paramref name="steps"/> times to x (C, h, w) in place. Returns false, leaving x
    /// untouched, when a buffer would exceed the backend's binding limit (the caller then walks on
    /// the CPU).
    /// </summary>
    public static bool TryPropagate(VulkanBackend vk, StencilTransition t, float[] x, int channels, int steps)
    {
        ulong planeBytes = (ulong)t.BetaPlanes.Length * sizeof(float);
        int valueCount = checked(channels * t.PlaneSize);
        ulong valueBytes = (ulong)valueCount * sizeof(float);
        if (planeBytes > vk.MaxBufferBytes || valueBytes > vk.MaxBufferBytes)
            return false;
        var limits = vk.Device.Limits;
        uint groupsX = ((uint)t.Width + GroupSide - 1) / GroupSide, groupsY = ((uint)t.Height + GroupSide - 1) / GroupSide;
        if (groupsX > limits.MaxComputeWorkGroupCountX || groupsY > limits.MaxComputeWorkGroupCountY
            || (uint)channels > limits.MaxComputeWorkGroupCountZ)
            return false;

        var kernel = vk.GetKernel<StepParams>("random_walk_step", 5);
        var args = new StepParams
        {
            Width = (uint)t.Width,
            Height = (uint)t.Height,
            RowStride = (uint)t.RowStride,
            Halo = (uint)t.Halo,
            PlaneSize = (uint)t.PlaneSize,
            Directions = (uint)t.Offsets.Length,
            Channels = (uint)channels,
        };
        var stream = vk.RentStream();
        using var rented = new BufferRentals(vk);
        try
        {
            var planes = rented.Rent(VulkanBufferAccess.ReadOnly, planeBytes);
            var inverse = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)t.InverseColumnSum.Length * sizeof(float));
            var offsets = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)t.Offsets.Length * sizeof(int));
            var front = rented.Rent(VulkanBufferAccess.ReadWrite, valueBytes);
            var back = rented.Rent(VulkanBufferAccess.ReadWrite, valueBytes);
            stream.Upload<float>(planes, 0, t.BetaPlanes);
            stream.Upload<float>(inverse, 0, t.InverseColumnSum);
            stream.Upload<int>(offsets, 0, t.Offsets);
            t.Pad(x, channels, stream.Upload<float>(front, 0, valueCount));
            // The kernel writes grid cells only; the halo of the other buffer must start (and stay) zero.
            stream.Fill(back, 0, valueBytes);
            ReadOnlySpan<VulkanBuffer> even = [planes, inverse, offsets, front, back];
            ReadOnlySpan<VulkanBuffer> odd = [planes, inverse, offsets, back, front];
            for (int s = 0; s < steps; s++)
                stream.Dispatch(kernel, s % 2 == 0 ? even : odd, args, groupsX, groupsY, (uint)channels);
            var download = stream.Download(steps % 2 == 0 ? front : back, 0, valueBytes);
            stream.Submit("random walk");
            t.Unpad(stream.Read<float>(download), channels, x);
            return true;
        }
        finally
        {
            vk.ReturnStream(stream);
        }
    }
}
