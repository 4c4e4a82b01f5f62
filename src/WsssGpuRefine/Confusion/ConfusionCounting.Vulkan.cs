using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Confusion;

public static partial class ConfusionCounting
{
    private sealed partial record CountBatch
    {
        public ConfusionMatrix OnVulkan(VulkanBackend vulkan)
        {
            var matrix = ConfusionCountingVulkan.Count(vulkan, Pairs, Options);
            // The kernel skips predicted 255 under this rule; the per-row totals are one byte scan on the CPU.
            if (Options.PredictedIgnore == PredictedIgnore.GroundTruthRowOnly) AddIgnoredPredictions(Pairs, Options.Classes, matrix);
            return matrix;
        }
    }

    private static void AddIgnoredPredictions(IReadOnlyList<LabelPair> pairs, int classes, ConfusionMatrix into)
    {
        foreach (var pair in pairs)
        {
            var gt = pair.GroundTruth.Labels;
            var predicted = pair.Predicted.Labels;
            for (int i = 0; i < gt.Length; i++)
                if (predicted[i] == LabelMap.Ignore && gt[i] < classes) into.IgnoredPredictions[gt[i]]++;
        }
    }
}

/// <summary>
/// GPU side of <see cref="ConfusionCounting"/>: shaders/confusion_matrix.hlsl over chunks of label-map
/// pairs packed 4 bytes per word; each chunk's 32-bit counts are added to a 64-bit matrix.
/// </summary>
internal static class ConfusionCountingVulkan
{
    /// <summary>shaders/confusion_matrix.hlsl's push constants.</summary>
    [StructLayout(LayoutKind.Sequential), PushConstants("confusion_matrix")]
    private struct ConfusionParams
    {
        public uint ClassCount;
        public uint PieceCount;
        public uint PredictedIgnoreAsBackground;
        public uint GroupsX;
    }

    private const int PieceStride = 8;

    /// <summary>Counts <paramref name="pairs"/> (same-size pairs, checked by the caller) into a new matrix.</summary>
    public static ConfusionMatrix Count(VulkanBackend vk, IReadOnlyList<LabelPair> pairs, ConfusionOptions options)
    {
        ArgumentNullException.ThrowIfNull(vk);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        int k = options.Classes;
        int cells = k * k;
        var result = new ConfusionMatrix(k);
        var kernel = vk.GetKernel<ConfusionParams>("confusion_matrix", 4);
        var chunks = VulkanImageBatches.Plan(pairs.Count, i => pairs[i].GroundTruth.PixelCount, _ => 1,
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), int.MaxValue);
        ulong countBytes = (ulong)(cells + 2) * 4;
        VulkanChunkLoop.Run<(VulkanBuffer Predicted, VulkanBuffer Gt, VulkanBuffer Pieces, VulkanBuffer Counts, long MaxWords), uint>(vk, kernel.Name, chunks,
            chunk =>
            {
                var (stream, rented) = (chunk.Stream, chunk.Buffers);
                long words = 0, maxWords = 0;
                foreach (var piece in chunk.Pieces)
                {
                    words += piece.Words;
                    maxWords = Math.Max(maxWords, piece.Words);
                }
                var predicted = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)words * 4);
                var gt = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)words * 4);
                var pieces = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)chunk.Pieces.Length * PieceStride * 4);
                var counts = rented.Rent(VulkanBufferAccess.ReadWrite, countBytes);
                CamChunkPacking.PackLabels(stream, predicted, chunk.Pieces, i => pairs[i].Predicted);
                CamChunkPacking.PackLabels(stream, gt, chunk.Pieces, i => pairs[i].GroundTruth);
                var pieceSpan = stream.Upload<uint>(pieces, 0, chunk.Pieces.Length * PieceStride);
                stream.Fill(counts, 0, (ulong)cells * 4, 0);
                stream.Fill(counts, (ulong)cells * 4, 8, uint.MaxValue);
                long offset = 0;
                for (int p = 0; p < chunk.Pieces.Length; p++)
                {
                    var d = pieceSpan.Slice(p * PieceStride, PieceStride);
                    d.Clear();
                    d[0] = (uint)offset;
                    d[1] = (uint)offset;
                    d[2] = (uint)chunk.Pieces[p].PixelCount;
                    offset += chunk.Pieces[p].Words;
                }
                return (predicted, gt, pieces, counts, maxWords);
            },
            (chunk, input) =>
            {
                // About 4 words (16 pixels) per thread, to pay for clearing and flushing the shared table.
                uint groupsX = VulkanImageBatches.GroupsX(input.MaxWords, vk.Options.ItemsPerThread ?? 4, vk.Device.Limits.MaxComputeWorkGroupCountX);
                var args = new ConfusionParams
                {
                    ClassCount = (uint)k,
                    PieceCount = (uint)chunk.Pieces.Length,
                    PredictedIgnoreAsBackground = options.PredictedIgnore == PredictedIgnore.CountAsBackground ? 1u : 0u,
                    GroupsX = groupsX,
                };
                chunk.Stream.Dispatch(kernel, [input.Predicted, input.Gt, input.Pieces, input.Counts], args, groupsX, (uint)chunk.Pieces.Length);
                return (input.Counts, countBytes);
            },
            (_, _, values) => AddCounts(values, k, result));
        return result;
    }

    /// <summary>
    /// Adds a kernel's K*K 32-bit counts to <paramref name="result"/>, after the two slots the kernel fills with the
    /// smallest out-of-range ground-truth and predicted label it met (0xFFFFFFFF when none): either is bad input.
    /// </summary>
    internal static void AddCounts(ReadOnlySpan<uint> values, int k, ConfusionMatrix result)
    {
        int cells = k * k;
        if (values[cells] != uint.MaxValue)
            throw new WsssInputException(null, $"ground-truth label {values[cells]} is outside 0..{k - 1} and is not 255 (check --classes)");
        if (values[cells + 1] != uint.MaxValue)
            throw new WsssInputException(null, $"predicted label {values[cells + 1]} is outside 0..{k - 1} and is not 255 (check --classes)");
        for (int i = 0; i < cells; i++) result.Counts[i] += values[i];
    }
}
