using WsssGpuRefine.Core;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// The input layout every per-pixel argmax kernel shares (threshold, power background, sweep; see
/// shaders/max_argmax.hlsli): the maps of each piece back to back (channel-major within the piece), each image's
/// label ids once, and one descriptor per piece: [map offset, pixels, channels, label-id offset, word offset of the
/// piece in byte-per-pixel buffers, 0, 0, 0].
/// </summary>
internal static class CamChunkPacking
{
    public const int PieceStride = 8;

    /// <summary>The bound buffers and the sizes the caller needs for its own per-pixel buffers and dispatch.</summary>
    public readonly record struct Packed(VulkanBuffer Maps, VulkanBuffer Ids, VulkanBuffer Pieces, long TotalWords, long MaxPixels, long MaxWords);

    /// <summary>Rents, fills and queues the upload of one chunk's maps, ids and piece descriptors.</summary>
    public static Packed Pack(VulkanCommandStream stream, BufferRentals rented, ImagePiece[] chunk, IReadOnlyList<ClassMaps> cams)
    {
        long mapFloats = 0, words = 0, maxPixels = 0, maxWords = 0;
        var labelOffsets = new Dictionary<int, int>();
        int labelCount = 0;
        foreach (var piece in chunk)
        {
            mapFloats += (long)cams[piece.Image].Channels * piece.PixelCount;
            words += piece.Words;
            maxPixels = Math.Max(maxPixels, piece.PixelCount);
            maxWords = Math.Max(maxWords, piece.Words);
            if (labelOffsets.TryAdd(piece.Image, labelCount)) labelCount += cams[piece.Image].Channels;
        }

        var maps = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)mapFloats * 4);
        var ids = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)labelCount * 4);
        var pieces = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)chunk.Length * PieceStride * 4);
        var mapSpan = stream.Upload<float>(maps, 0, checked((int)mapFloats));
        var idSpan = stream.Upload<uint>(ids, 0, labelCount);
        var pieceSpan = stream.Upload<uint>(pieces, 0, chunk.Length * PieceStride);

        foreach (var (image, offset) in labelOffsets)
            for (int c = 0; c < cams[image].Channels; c++) idSpan[offset + c] = (uint)cams[image].LabelIds[c];
        long mapOffset = 0, wordOffset = 0;
        for (int p = 0; p < chunk.Length; p++)
        {
            var piece = chunk[p];
            var cam = cams[piece.Image];
            int n = piece.PixelCount;
            for (int c = 0; c < cam.Channels; c++)
                cam.Values.Span.Slice(c * cam.PixelCount + piece.PixelStart, n).CopyTo(mapSpan.Slice((int)(mapOffset + (long)c * n), n));
            var d = pieceSpan.Slice(p * PieceStride, PieceStride);
            d.Clear();
            d[0] = (uint)mapOffset;
            d[1] = (uint)n;
            d[2] = (uint)cam.Channels;
            d[3] = (uint)labelOffsets[piece.Image];
            d[4] = (uint)wordOffset;
            mapOffset += (long)cam.Channels * n;
            wordOffset += piece.Words;
        }
        return new Packed(maps, ids, pieces, words, maxPixels, maxWords);
    }

    /// <summary>
    /// Queues the upload of one byte label map per piece (ground truth, predictions) into <paramref name="buffer"/>,
    /// 4 labels per word, each piece starting at its word offset (the same offsets <see cref="Pack"/> writes) and
    /// its last word padded with zeros.
    /// </summary>
    public static void PackLabels(VulkanCommandStream stream, VulkanBuffer buffer, ImagePiece[] chunk, Func<int, LabelMap> labelsOf)
    {
        long words = 0;
        foreach (var piece in chunk) words += piece.Words;
        var span = stream.Upload<byte>(buffer, 0, checked((int)words * 4));
        long wordOffset = 0;
        foreach (var piece in chunk)
        {
            var bytes = span.Slice((int)(wordOffset * 4), piece.Words * 4);
            labelsOf(piece.Image).Labels.AsSpan(piece.PixelStart, piece.PixelCount).CopyTo(bytes);
            bytes[piece.PixelCount..].Clear();
            wordOffset += piece.Words;
        }
    }
}
