using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Confusion;

public static partial class ThresholdConfusion
{
    private sealed partial record CountBatch
    {
        public ConfusionMatrix OnVulkan(VulkanBackend vulkan)
        {
            if (Rule is BackgroundRule.Constant constant)
                return ThresholdConfusionVulkan.Count(vulkan, Items, constant, Options);
            // The power background decides its near-ties on the host (ThresholdLabeling.Vulkan.cs), so its labels
            // come back before they are counted.
            var labels = ThresholdLabeling.Label(vulkan, Items.Select(i => i.Cams).ToArray(), Rule);
            return ConfusionCounting.Count(vulkan, labels.Select((l, i) => new LabelPair(l, Items[i].GroundTruth)).ToArray(), Options);
        }
    }
}

/// <summary>
/// GPU side of <see cref="ThresholdConfusion"/> for a constant threshold: shaders/threshold_confusion.hlsl labels
/// and counts chunks of images (CAMs packed by <see cref="CamChunkPacking"/>, ground truth 4 labels per word); each
/// chunk's 32-bit counts are added to a 64-bit matrix.
/// </summary>
internal static class ThresholdConfusionVulkan
{
    [StructLayout(LayoutKind.Sequential), PushConstants("threshold_confusion")]
    private struct FusedParams
    {
        public float Threshold;
        public uint ClassCount;
        public uint PieceCount;
        public uint PredictedIgnoreAsBackground;
        public uint GroupsX;
        public uint Pad0;
    }

    /// <summary>Counts <paramref name="items"/> (same-size pairs, checked by the caller) into a new matrix.</summary>
    public static ConfusionMatrix Count(VulkanBackend vk, IReadOnlyList<CamWithGroundTruth> items, BackgroundRule.Constant rule, ConfusionOptions options)
    {
        var cams = items.Select(i => i.Cams.ForegroundOnly()).ToArray();
        int k = options.Classes;
        var result = new ConfusionMatrix(k);
        var kernel = vk.GetKernel<FusedParams>("threshold_confusion", 5);
        // Per pixel the maps (4 bytes per channel) dominate; the ground-truth byte rides along. 32-bit counters
        // hold any chunk of at most int.MaxValue pixels.
        var chunks = VulkanImageBatches.Plan(cams.Length, i => cams[i].PixelCount, i => Math.Max(1L, 4L * cams[i].Channels),
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), int.MaxValue);
        ulong countBytes = (ulong)(k * k + 2) * 4;
        VulkanChunkLoop.Run<(CamChunkPacking.Packed Cams, VulkanBuffer Gt, VulkanBuffer Counts), uint>(vk, kernel.Name, chunks,
            chunk =>
            {
                var (stream, rented) = (chunk.Stream, chunk.Buffers);
                var packed = CamChunkPacking.Pack(stream, rented, chunk.Pieces, cams);
                var gt = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)packed.TotalWords * 4);
                var counts = rented.Rent(VulkanBufferAccess.ReadWrite, countBytes);
                CamChunkPacking.PackLabels(stream, gt, chunk.Pieces, i => items[i].GroundTruth);
                stream.Fill(counts, 0, (ulong)k * (ulong)k * 4, 0);
                stream.Fill(counts, (ulong)k * (ulong)k * 4, 8, uint.MaxValue);
                return (packed, gt, counts);
            },
            (chunk, input) =>
            {
                // About 4 words (16 pixels) per thread, to pay for clearing and flushing the shared table.
                uint groupsX = VulkanImageBatches.GroupsX(input.Cams.MaxWords, vk.Options.ItemsPerThread ?? 4, vk.Device.Limits.MaxComputeWorkGroupCountX);
                var args = new FusedParams
                {
                    Threshold = rule.Threshold32,
                    ClassCount = (uint)k,
                    PieceCount = (uint)chunk.Pieces.Length,
                    PredictedIgnoreAsBackground = options.PredictedIgnore == PredictedIgnore.CountAsBackground ? 1u : 0u,
                    GroupsX = groupsX,
                };
                chunk.Stream.Dispatch(kernel, [input.Cams.Maps, input.Cams.Ids, input.Cams.Pieces, input.Gt, input.Counts],
                    args, groupsX, (uint)chunk.Pieces.Length);
                return (input.Counts, countBytes);
            },
            (_, _, values) => ConfusionCountingVulkan.AddCounts(values, k, result));
        return result;
    }
}
