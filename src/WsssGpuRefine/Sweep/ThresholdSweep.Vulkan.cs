using System.Runtime.InteropServices;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Sweep;

public sealed partial class ThresholdSweep
{
    partial void AddOnGpu(ComputeBackend backend, IReadOnlyList<CamWithGroundTruth> items, ref bool done)
    {
        if (backend is not VulkanBackend vk) return;
        ThresholdSweepVulkan.Accumulate(vk, this, items);
        done = true;
    }
}

/// <summary>
/// GPU side of <see cref="ThresholdSweep"/>: shaders/sweep_histogram.hlsl builds the (bin, gt, label)
/// histogram of a chunk of images; each chunk's 32-bit counts are added to the sweep's 64-bit histogram.
/// </summary>
internal static class ThresholdSweepVulkan
{
    [StructLayout(LayoutKind.Sequential)]
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
        var kernel = vk.GetKernel("sweep_histogram", 6, 16);
        // Per pixel: the maps (4 bytes per channel) dominate; the ground-truth byte rides along.
        var chunks = VulkanImageBatches.Plan(cams.Length, i => cams[i].PixelCount, i => Math.Max(1L, 4L * cams[i].Channels),
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), MaxPixelsPerDispatch);

        using var pipeline = new VulkanChunkPipeline(vk);
        foreach (var chunk in chunks)
        {
            var slot = pipeline.Next();
            var stream = slot.Stream;
            var rented = slot.Buffers;
            long packStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var packed = CamChunkPacking.Pack(stream, rented, chunk, cams);
            long maxPixels = packed.MaxPixels;
            var gt = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)packed.TotalWords * 4);
            var thresholdBuffer = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)thresholds.Length * 4);
            var histogram = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)(histogramLength + 1) * 4);
            var gtSpan = stream.Upload<byte>(gt, 0, checked((int)packed.TotalWords * 4));
            stream.Upload<float>(thresholdBuffer, 0, thresholds);
            stream.Fill(histogram, 0, (ulong)histogramLength * 4, 0);
            stream.Fill(histogram, (ulong)badSlot * 4, 4, uint.MaxValue);
            long gtOffset = 0;
            foreach (var piece in chunk)
            {
                var gtBytes = gtSpan.Slice((int)(gtOffset * 4), piece.Words * 4);
                items[piece.Image].GroundTruth.Labels.AsSpan(piece.PixelStart, piece.PixelCount).CopyTo(gtBytes);
                gtBytes[piece.PixelCount..].Clear();
                gtOffset += piece.Words;
            }

            vk.AddHostTime(packStart, unpacking: false);
            // About 8 pixels per thread: enough work to pay for clearing and flushing the shared table.
            uint groupsX = VulkanImageBatches.GroupsX(maxPixels, vk.Options.ItemsPerThread ?? 8, vk.Device.Limits.MaxComputeWorkGroupCountX);
            var args = new SweepParams { ThresholdCount = (uint)thresholds.Length, ClassCount = (uint)k, PieceCount = (uint)chunk.Length, GroupsX = groupsX };
            stream.Dispatch(kernel, [packed.Maps, packed.Ids, packed.Pieces, gt, thresholdBuffer, histogram], args, groupsX, (uint)chunk.Length);
            var download = stream.Download(histogram, 0, (ulong)(histogramLength + 1) * 4);
            pipeline.Submit(slot, kernel.Name, () =>
            {
                long unpackStart = System.Diagnostics.Stopwatch.GetTimestamp();
                var counts = stream.Read<uint>(download);
                uint bad = counts[badSlot];
                if (bad != uint.MaxValue)
                    throw new WsssInputException(null, $"ground-truth label {bad} is outside 0..{k - 1} and is not 255 (check --classes)");
                sweep.AddHistogram(counts[..histogramLength]);
                vk.AddHostTime(unpackStart, unpacking: true);
            });
        }
        pipeline.Drain();
    }
}
