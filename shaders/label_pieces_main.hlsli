// The entry point both CAM-to-label kernels share (threshold_argmax, power_background_argmax). The including
// shader declares the push constants pc (with pieceCount and groupsX), the buffers maps, pieces and labels, and
//   uint LabelOf(float m, uint a, uint channels, uint labelOffset)
// which turns a pixel's max m and first argmax a into its label byte. Each thread writes whole 32-bit words of
// 4 label bytes, so no two threads touch one word.

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint piece = group.y;
    if (piece >= pc.pieceCount) return;
    uint mapOffset = pieces[piece * PIECE_STRIDE + PIECE_MAP_OFFSET];
    uint pixels = pieces[piece * PIECE_STRIDE + PIECE_PIXELS];
    uint channels = pieces[piece * PIECE_STRIDE + PIECE_CHANNELS];
    uint labelOffset = pieces[piece * PIECE_STRIDE + PIECE_LABEL_OFFSET];
    uint outOffset = pieces[piece * PIECE_STRIDE + PIECE_OUT_OFFSET];
    uint words = (pixels + 3) / 4;
    // Grid-stride: an image larger than groupsX * 256 words still gets every word.
    for (uint w = group.x * GROUP_SIZE + local.x; w < words; w += pc.groupsX * GROUP_SIZE)
    {
        uint packed = 0;
        for (uint j = 0; j < 4; j++)
        {
            uint p = w * 4 + j;
            if (p >= pixels) break;
            float m;
            uint a;
            MaxArgmax(maps, mapOffset, channels, pixels, p, m, a);
            packed |= (LabelOf(m, a, channels, labelOffset) & 0xFFu) << (8 * j);
        }
        labels[outOffset + w] = packed;
    }
}
