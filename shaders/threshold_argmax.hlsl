// IRN's constant-threshold rule (spec 4.1) for several images per dispatch:
// label = (max_c M_c > t) ? labelIds[first argmax] : 0, t already rounded to float32 on the host.
// Each thread writes whole 32-bit words of 4 label bytes, so no two threads touch one word.
#include "max_argmax.hlsli"

struct Params
{
    float threshold;
    uint pieceCount;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> maps;
[[vk::binding(1, 0)]] StructuredBuffer<uint> labelIds;
[[vk::binding(2, 0)]] StructuredBuffer<uint> pieces;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> labels;

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
            uint label = m > pc.threshold ? labelIds[labelOffset + a] : 0u;
            packed |= (label & 0xFFu) << (8 * j);
        }
        labels[outOffset + w] = packed;
    }
}
