using System.Runtime.InteropServices;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Confusion;

public static partial class ConfusionCounting
{
    static partial void CountOnGpu(ComputeBackend backend, IReadOnlyList<LabelPair> pairs, ConfusionOptions options, ref ConfusionMatrix? result)
    {
        if (backend is not VulkanBackend vk) return;
        result = ConfusionCountingVulkan.Count(vk, pairs, options);
    }
}

/// <summary>
/// GPU side of <see cref="ConfusionCounting"/>: shaders/confusion_matrix.hlsl over chunks of label-map
/// pairs packed 4 bytes per word; each chunk's 32-bit counts are added to a 64-bit matrix.
/// </summary>
internal static class ConfusionCountingVulkan
{
    [StructLayout(LayoutKind.Sequential)]
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
        var kernel = vk.GetKernel("confusion_matrix", 4, 16);
        var chunks = VulkanImageBatches.Plan(pairs.Count, i => pairs[i].GroundTruth.PixelCount, _ => 1,
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), int.MaxValue);

        using var pipeline = new VulkanChunkPipeline(vk);
        foreach (var chunk in chunks)
        {
            var slot = pipeline.Next();
            var stream = slot.Stream;
            var rented = slot.Buffers;
            long words = 0, maxWords = 0;
            foreach (var piece in chunk)
            {
                words += piece.Words;
                maxWords = Math.Max(maxWords, piece.Words);
            }
            var predicted = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)words * 4);
            var gt = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)words * 4);
            var pieces = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)chunk.Length * PieceStride * 4);
            var counts = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)(cells + 2) * 4);

            long packStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var predSpan = stream.Upload<byte>(predicted, 0, checked((int)words * 4));
            var gtSpan = stream.Upload<byte>(gt, 0, checked((int)words * 4));
            var pieceSpan = stream.Upload<uint>(pieces, 0, chunk.Length * PieceStride);
            stream.Fill(counts, 0, (ulong)cells * 4, 0);
            stream.Fill(counts, (ulong)cells * 4, 8, uint.MaxValue);

            long offset = 0;
            for (int p = 0; p < chunk.Length; p++)
            {
                var piece = chunk[p];
                int n = piece.PixelCount;
                var pair = pairs[piece.Image];
                var predBytes = predSpan.Slice((int)(offset * 4), piece.Words * 4);
                var gtBytes = gtSpan.Slice((int)(offset * 4), piece.Words * 4);
                pair.Predicted.Labels.AsSpan(piece.PixelStart, n).CopyTo(predBytes);
                pair.GroundTruth.Labels.AsSpan(piece.PixelStart, n).CopyTo(gtBytes);
                predBytes[n..].Clear();
                gtBytes[n..].Clear();
                var d = pieceSpan.Slice(p * PieceStride, PieceStride);
                d.Clear();
                d[0] = (uint)offset;
                d[1] = (uint)offset;
                d[2] = (uint)n;
                offset += piece.Words;
            }

            vk.AddHostTime(packStart, unpacking: false);
            // About 4 words (16 pixels) per thread, to pay for clearing and flushing the shared table.
            uint groupsX = VulkanImageBatches.GroupsX(maxWords, vk.Options.ItemsPerThread ?? 4, vk.Device.Limits.MaxComputeWorkGroupCountX);
            var args = new ConfusionParams
            {
                ClassCount = (uint)k,
                PieceCount = (uint)chunk.Length,
                PredictedIgnoreAsBackground = options.PredictedIgnore == PredictedIgnore.CountAsBackground ? 1u : 0u,
                GroupsX = groupsX,
            };
            stream.Dispatch(kernel, [predicted, gt, pieces, counts], args, groupsX, (uint)chunk.Length);
            var download = stream.Download(counts, 0, (ulong)(cells + 2) * 4);
            pipeline.Submit(slot, kernel.Name, () =>
            {
                long unpackStart = System.Diagnostics.Stopwatch.GetTimestamp();
                var values = stream.Read<uint>(download);
                if (values[cells] != uint.MaxValue)
                    throw new WsssInputException(null, $"ground-truth label {values[cells]} is outside 0..{k - 1} and is not 255 (check --classes)");
                if (values[cells + 1] != uint.MaxValue)
                    throw new WsssInputException(null, $"predicted label {values[cells + 1]} is outside 0..{k - 1} and is not 255 (check --classes)");
                for (int i = 0; i < cells; i++) result.Counts[i] += values[i];
                vk.AddHostTime(unpackStart, unpacking: true);
            });
        }
        pipeline.Drain();
        return result;
    }
}
