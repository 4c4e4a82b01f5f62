using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Sweep;

public sealed partial class ThresholdSweep
{
    private sealed partial record AddBatch
    {
        public bool OnVulkan(VulkanBackend vulkan)
        {
            ThresholdSweepVulkan.Accumulate(vulkan, Sweep, Items);
            return true;
        }
    }
}

/// <summary>
/// GPU side of <see cref="ThresholdSweep"/>: shaders/sweep_histogram.hlsl builds the (bin, gt, label)
/// histogram of a chunk of images; each chunk's 32-bit counts are added to the sweep's 64-bit histogram.
/// </summary>
internal static class ThresholdSweepVulkan
{
    /// <summary>shaders/sweep_histogram.hlsl's push constants.</summary>
    [StructLayout(LayoutKind.Sequential), PushConstants("sweep_histogram")]
    private struct SweepParams
    {
        public uint ThresholdCount;
        public uint ClassCount;
        public uint PieceCount;
        public uint GroupsX;
    }

    /// <summary>A chunk never holds more pixels than a 32-bit counter can count.</summary>
    internal const long MaxPixelsPerDispatch = int.MaxValue;

    /// <summary>Adds <paramref name="items"/> (already validated by the caller) to <paramref name="sweep"/>'s histogram.</summary>
    public static void Accumulate(VulkanBackend vk, ThresholdSweep sweep, IReadOnlyList<CamWithGroundTruth> items)
    {
        ArgumentNullException.ThrowIfNull(vk);
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(items);
        var cams = items.Select(i => i.Cams.ForegroundOnly()).ToArray();
        int k = sweep.Classes;
        float[] thresholds = sweep.SortedThresholds32;
        int histogramLength = sweep.HistogramLength;
        int badSlot = histogramLength;

        ulong histogramBytes = (ulong)(histogramLength + 1) * 4;
        if (histogramBytes > vk.Device.Limits.MaxStorageBufferRange)
            throw new ArgumentException(
                $"{thresholds.Length} thresholds x {k}x{k} classes need a {histogramBytes >> 20} MiB histogram, more than device '{vk.Device.Name}' can bind");
        var kernel = vk.GetKernel<SweepParams>("sweep_histogram", 6);
        // Per pixel: the maps (4 bytes per channel) dominate; the ground-truth byte rides along.
        var chunks = VulkanImageBatches.Plan(cams.Length, i => cams[i].PixelCount, i => Math.Max(1L, 4L * cams[i].Channels),
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), MaxPixelsPerDispatch);
        ulong histogramUploadBytes = (ulong)(histogramLength + 1) * 4;
        VulkanChunkLoop.Run<(CamChunkPacking.Packed Cams, VulkanBuffer Gt, VulkanBuffer Thresholds, VulkanBuffer Histogram), uint>(vk, kernel.Name, chunks,
            chunk =>
            {
                var (stream, rented) = (chunk.Stream, chunk.Buffers);
                var packed = CamChunkPacking.Pack(stream, rented, chunk.Pieces, cams);
                var gt = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)packed.TotalWords * 4);
                var thresholdBuffer = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)thresholds.Length * 4);
                var histogram = rented.Rent(VulkanBufferAccess.ReadWrite, histogramUploadBytes);
                stream.Upload<float>(thresholdBuffer, 0, thresholds);
                stream.Fill(histogram, 0, (ulong)histogramLength * 4, 0);
                stream.Fill(histogram, (ulong)badSlot * 4, 4, uint.MaxValue);
                CamChunkPacking.PackLabels(stream, gt, chunk.Pieces, i => items[i].GroundTruth);
                return (packed, gt, thresholdBuffer, histogram);
            },
            (chunk, input) =>
            {
                // About 8 pixels per thread: enough work to pay for clearing and flushing the shared table.
                uint groupsX = VulkanImageBatches.GroupsX(input.Cams.MaxPixels, vk.Options.ItemsPerThread ?? 8, vk.Device.Limits.MaxComputeWorkGroupCountX);
                var args = new SweepParams { ThresholdCount = (uint)thresholds.Length, ClassCount = (uint)k, PieceCount = (uint)chunk.Pieces.Length, GroupsX = groupsX };
                chunk.Stream.Dispatch(kernel, [input.Cams.Maps, input.Cams.Ids, input.Cams.Pieces, input.Gt, input.Thresholds, input.Histogram],
                    args, groupsX, (uint)chunk.Pieces.Length);
                return (input.Histogram, histogramUploadBytes);
            },
            (_, _, counts) =>
            {
                uint bad = counts[badSlot];
                if (bad != uint.MaxValue)
                    throw new WsssInputException(null, $"ground-truth label {bad} is outside 0..{k - 1} and is not 255 (check --classes)");
                sweep.AddHistogram(counts[..histogramLength]);
            });
    }
}
