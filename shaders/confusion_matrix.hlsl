// K x K confusion counts over byte label maps packed 4 per word, several image pairs per dispatch (counting rules
// in confusion_count.hlsli).
#define GROUP_SIZE 256
#define PIECE_STRIDE 8
#define PIECE_PRED_OFFSET 0
#define PIECE_GT_OFFSET 1
#define PIECE_PIXELS 2

struct Params
{
    uint classCount;
    uint pieceCount;
    uint predictedIgnoreAsBackground;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> predicted;
[[vk::binding(1, 0)]] StructuredBuffer<uint> groundTruth;
[[vk::binding(2, 0)]] StructuredBuffer<uint> pieces;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> counts;

#include "confusion_count.hlsli"

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    bool useShared = BeginCounting(local.x);
    uint piece = group.y;
    if (piece < pc.pieceCount)
    {
        uint predOffset = pieces[piece * PIECE_STRIDE + PIECE_PRED_OFFSET];
        uint gtOffset = pieces[piece * PIECE_STRIDE + PIECE_GT_OFFSET];
        uint pixels = pieces[piece * PIECE_STRIDE + PIECE_PIXELS];
        uint words = (pixels + 3) / 4;
        for (uint w = group.x * GROUP_SIZE + local.x; w < words; w += pc.groupsX * GROUP_SIZE)
        {
            uint predWord = predicted[predOffset + w];
            uint gtWord = groundTruth[gtOffset + w];
            uint runKey = NO_KEY;
            uint runCount = 0;
            for (uint j = 0; j < 4; j++)
            {
                if (w * 4 + j >= pixels) break;
                CountPixel((gtWord >> (8 * j)) & 0xFFu, (predWord >> (8 * j)) & 0xFFu, runKey, runCount, useShared);
            }
            if (runCount != 0) Add(runKey, runCount, useShared);
        }
    }
    FlushCounting(local.x, useShared);
}
