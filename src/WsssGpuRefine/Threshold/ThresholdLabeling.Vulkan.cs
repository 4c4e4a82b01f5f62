using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Threshold;

public static partial class ThresholdLabeling
{
    private sealed partial record LabelBatch
    {
        public LabelMap[] OnVulkan(VulkanBackend vulkan)
        {
            ThresholdLabelingVulkan.Label(vulkan, Cams, Rule, Outputs);
            return Outputs;
        }
    }
}

/// <summary>
/// GPU side of <see cref="ThresholdLabeling"/>: shaders/threshold_argmax.hlsl (constant background) and
/// shaders/power_background_argmax.hlsl (PSA's power background), several images per dispatch.
/// </summary>
internal static class ThresholdLabelingVulkan
{
    /// <summary>shaders/threshold_argmax.hlsl's push constants.</summary>
    [StructLayout(LayoutKind.Sequential), PushConstants("threshold_argmax")]
    private struct ThresholdParams
    {
        public float Threshold;
        public uint PieceCount;
        public uint GroupsX;
        public uint Pad0;
    }

    /// <summary>shaders/power_background_argmax.hlsl's push constants.</summary>
    [StructLayout(LayoutKind.Sequential), PushConstants("power_background_argmax")]
    private struct PowerParams
    {
        public float Alpha;
        public uint Exponent;
        public uint PieceCount;
        public uint GroupsX;
    }

    private const uint NotInteger = 0xFFFFFFFFu;
    private const byte RecomputeOnHost = 255;

    /// <summary>
    /// Labels foreground-only maps <paramref name="cams"/> into <paramref name="outputs"/> (same sizes),
    /// bit-identical to the CPU path.
    /// </summary>
    public static void Label(VulkanBackend vk, IReadOnlyList<ClassMaps> cams, BackgroundRule rule, LabelMap[] outputs)
    {
        ArgumentNullException.ThrowIfNull(vk);
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(rule);
        if (outputs.Length != cams.Count) throw new ArgumentException("one output per image is needed", nameof(outputs));
        for (int i = 0; i < cams.Count; i++)
            if (outputs[i].PixelCount != cams[i].PixelCount)
                throw new ArgumentException($"output {i} has {outputs[i].PixelCount} pixels, not {cams[i].PixelCount}", nameof(outputs));

        var power = rule as BackgroundRule.Power;
        var kernel = power is null
            ? vk.GetKernel<ThresholdParams>("threshold_argmax", 4)
            : vk.GetKernel<PowerParams>("power_background_argmax", 4);
        var chunks = VulkanImageBatches.Plan(cams.Count, i => cams[i].PixelCount, i => 4L * cams[i].Channels,
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), long.MaxValue);
        VulkanChunkLoop.Run<(CamChunkPacking.Packed Cams, VulkanBuffer Labels), byte>(vk, kernel.Name, chunks,
            chunk =>
            {
                var packed = CamChunkPacking.Pack(chunk.Stream, chunk.Buffers, chunk.Pieces, cams);
                return (packed, chunk.Buffers.Rent(VulkanBufferAccess.ReadWrite, (ulong)packed.TotalWords * 4));
            },
            (chunk, input) =>
            {
                var (packed, labels) = input;
                uint groupsX = VulkanImageBatches.GroupsX(packed.MaxWords, 1, vk.Device.Limits.MaxComputeWorkGroupCountX);
                ReadOnlySpan<VulkanBuffer> bindings = [packed.Maps, packed.Ids, packed.Pieces, labels];
                uint pieceCount = (uint)chunk.Pieces.Length;
                if (power is null)
                {
                    var args = new ThresholdParams { Threshold = ((BackgroundRule.Constant)rule).Threshold32, PieceCount = pieceCount, GroupsX = groupsX };
                    chunk.Stream.Dispatch(kernel, bindings, args, groupsX, pieceCount);
                }
                else
                {
                    var args = new PowerParams
                    {
                        Alpha = (float)power.Alpha,
                        // The CPU rule is powf for every alpha (BackgroundRule.Power); square-and-multiply equals it exactly
                        // only for alpha 0 and 1 (1 and the base itself), so every other alpha takes the pow path and
                        // its near-ties are decided on the host.
                        Exponent = power.Alpha is 0 or 1 ? (uint)power.Alpha : NotInteger,
                        PieceCount = pieceCount,
                        GroupsX = groupsX,
                    };
                    chunk.Stream.Dispatch(kernel, bindings, args, groupsX, pieceCount);
                }
                return (labels, (ulong)packed.TotalWords * 4);
            },
            (pieces, _, bytes) =>
            {
                long wordOffset = 0;
                foreach (var piece in pieces)
                {
                    var target = outputs[piece.Image].Labels.AsSpan(piece.PixelStart, piece.PixelCount);
                    bytes.Slice((int)(wordOffset * 4), piece.PixelCount).CopyTo(target);
                    if (power is not null)
                        RecomputeUncertain(cams[piece.Image], power, piece.PixelStart, target);
                    wordOffset += piece.Words;
                }
            });
    }

    /// <summary>
    /// GPU pow is too loose to decide pixels where the power background and the max score nearly tie; the
    /// shader marks them 255 and they are decided here exactly as on the CPU.
    /// </summary>
    private static void RecomputeUncertain(ClassMaps cam, BackgroundRule.Power power, int pixelStart, Span<byte> labels)
    {
        for (int i = labels.IndexOf(RecomputeOnHost); i >= 0; i = NextIndex(labels, i + 1))
            labels[i] = ScoreLabels.LabelPixel(cam, pixelStart + i, power);
    }

    private static int NextIndex(Span<byte> labels, int from)
    {
        if (from >= labels.Length) return -1;
        int i = labels[from..].IndexOf(RecomputeOnHost);
        return i < 0 ? -1 : from + i;
    }
}
