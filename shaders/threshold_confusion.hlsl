// Constant-threshold evaluation in one pass, several images per dispatch: each pixel is labelled exactly as
// threshold_argmax.hlsl labels it (IRN's rule: max_c M_c > t ? labelIds[first argmax] : 0, t rounded to float32
// on the host) and counted at once against its ground truth as confusion_matrix.hlsl counts it, so no label map
// leaves the device. Inputs are packed as for threshold_argmax (max_argmax.hlsli); the ground truth is a byte map
// packed 4 per word at each piece's word offset.
#include "max_argmax.hlsli"

struct Params
{
    float threshold;
    uint classCount;
    uint pieceCount;
    uint predictedIgnoreAsBackground;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> maps;
[[vk::binding(1, 0)]] StructuredBuffer<uint> labelIds;
[[vk::binding(2, 0)]] StructuredBuffer<uint> pieces;
[[vk::binding(3, 0)]] StructuredBuffer<uint> groundTruth;
[[vk::binding(4, 0)]] RWStructuredBuffer<uint> counts;

#include "confusion_count.hlsli"

// The word loop of confusion_matrix.hlsl, with the prediction computed from the maps instead of read from a
// label map (the piece layout differs too), so each kernel keeps its own loop.
[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    bool useShared = BeginCounting(local.x);
    uint piece = group.y;
    if (piece < pc.pieceCount)
    {
        uint mapOffset = pieces[piece * PIECE_STRIDE + PIECE_MAP_OFFSET];
        uint pixels = pieces[piece * PIECE_STRIDE + PIECE_PIXELS];
        uint channels = pieces[piece * PIECE_STRIDE + PIECE_CHANNELS];
        uint labelOffset = pieces[piece * PIECE_STRIDE + PIECE_LABEL_OFFSET];
        uint gtOffset = pieces[piece * PIECE_STRIDE + PIECE_OUT_OFFSET];
        uint words = (pixels + 3) / 4;
        for (uint w = group.x * GROUP_SIZE + local.x; w < words; w += pc.groupsX * GROUP_SIZE)
        {
            uint gtWord = groundTruth[gtOffset + w];
            uint runKey = NO_KEY;
            uint runCount = 0;
            for (uint j = 0; j < 4; j++)
            {
                uint p = w * 4 + j;
                if (p >= pixels) break;
                float m;
                uint a;
                MaxArgmax(maps, mapOffset, channels, pixels, p, m, a);
                uint label = m > pc.threshold ? (labelIds[labelOffset + a] & 0xFFu) : 0u;
                CountPixel((gtWord >> (8 * j)) & 0xFFu, label, runKey, runCount, useShared);
            }
            if (runCount != 0) Add(runKey, runCount, useShared);
        }
    }
    FlushCounting(local.x, useShared);
}
