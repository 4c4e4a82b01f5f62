using System.Runtime.InteropServices;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Threshold;

public static partial class ThresholdLabeling
{
    static partial void LabelOnGpu(ComputeBackend backend, ClassMaps[] cams, BackgroundRule rule, LabelMap[] outputs, ref bool done)
    {
        if (backend is not VulkanBackend vk) return;
        ThresholdLabelingVulkan.Label(vk, cams, rule, outputs);
        done = true;
    }
}

/// <summary>
/// GPU side of <see cref="ThresholdLabeling"/>: shaders/threshold_argmax.hlsl (constant background) and
/// shaders/power_background_argmax.hlsl (PSA's power background), several images per dispatch.
/// </summary>
internal static class ThresholdLabelingVulkan
{
    [StructLayout(LayoutKind.Sequential)]
    private struct ThresholdParams
    {
        public float Threshold;
        public uint PieceCount;
        public uint GroupsX;
        public uint Pad0;
    }

    [StructLayout(LayoutKind.Sequential)]
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
            ? vk.GetKernel("threshold_argmax", 4, 16)
            : vk.GetKernel("power_background_argmax", 4, 16);
        var chunks = VulkanImageBatches.Plan(cams.Count, i => cams[i].PixelCount, i => 4L * cams[i].Channels,
            vk.MaxBufferBytes, VulkanImageBatches.MaxPieces(vk), long.MaxValue);

        using var pipeline = new VulkanChunkPipeline(vk);
        foreach (var chunk in chunks)
        {
            var slot = pipeline.Next();
            var stream = slot.Stream;
            var rented = slot.Buffers;
            long packStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var packed = CamChunkPacking.Pack(stream, rented, chunk, cams);
            long outWords = packed.TotalWords, maxWords = packed.MaxWords;
            var labels = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)outWords * 4);
            var (maps, ids, pieces) = (packed.Maps, packed.Ids, packed.Pieces);

            vk.AddHostTime(packStart, unpacking: false);
            uint groupsX = VulkanImageBatches.GroupsX(maxWords, 1, vk.Device.Limits.MaxComputeWorkGroupCountX);
            ReadOnlySpan<VulkanBuffer> bindings = [maps, ids, pieces, labels];
            if (power is null)
            {
                var args = new ThresholdParams { Threshold = ((BackgroundRule.Constant)rule).Threshold32, PieceCount = (uint)chunk.Length, GroupsX = groupsX };
                stream.Dispatch(kernel, bindings, args, groupsX, (uint)chunk.Length);
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
                    PieceCount = (uint)chunk.Length,
                    GroupsX = groupsX,
                };
                stream.Dispatch(kernel, bindings, args, groupsX, (uint)chunk.Length);
            }
            var download = stream.Download(labels, 0, (ulong)outWords * 4);
            pipeline.Submit(slot, kernel.Name, () =>
            {
                long unpackStart = System.Diagnostics.Stopwatch.GetTimestamp();
                var bytes = stream.Read<byte>(download);
                long wordOffset = 0;
                foreach (var piece in chunk)
                {
                    var target = outputs[piece.Image].Labels.AsSpan(piece.PixelStart, piece.PixelCount);
                    bytes.Slice((int)(wordOffset * 4), piece.PixelCount).CopyTo(target);
                    if (power is not null)
                        RecomputeUncertain(cams[piece.Image], power, piece.PixelStart, target);
                    wordOffset += piece.Words;
                }
                vk.AddHostTime(unpackStart, unpacking: true);
            });
        }
        pipeline.Drain();
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
