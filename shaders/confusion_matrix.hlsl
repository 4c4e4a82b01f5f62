// K x K confusion counts (rows = ground truth, columns = prediction) over byte label maps packed
// 4 per word, several image pairs per dispatch. Ground-truth 255 is never counted; a predicted 255
// counts as background (chainercv's eval_sem_seg) or is skipped (wsgcn/icd) by push constant.
// Each workgroup counts into a shared K x K table (K <= 64) and flushes it with one global atomic per
// non-zero cell; label maps are piecewise constant, so equal neighbours in a word are added at once.
#define GROUP_SIZE 256
#define PIECE_STRIDE 8
#define PIECE_PRED_OFFSET 0
#define PIECE_GT_OFFSET 1
#define PIECE_PIXELS 2
#define SHARED_CLASSES 64
#define NO_KEY 0xFFFFFFFFu

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
// K*K counters, then the smallest out-of-range ground-truth label and the smallest out-of-range
// predicted label seen (both filled with 0xFFFFFFFF by the host, which reports them as bad input).
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> counts;

groupshared uint table[SHARED_CLASSES * SHARED_CLASSES];

void Add(uint key, uint count, bool useShared)
{
    if (useShared) InterlockedAdd(table[key], count);
    else InterlockedAdd(counts[key], count);
}

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint k = pc.classCount;
    bool useShared = k <= SHARED_CLASSES;
    uint cells = useShared ? k * k : 0u;
    for (uint s = local.x; s < cells; s += GROUP_SIZE) table[s] = 0;
    GroupMemoryBarrierWithGroupSync();

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
                uint g = (gtWord >> (8 * j)) & 0xFFu;
                uint q = (predWord >> (8 * j)) & 0xFFu;
                if (g == 255u) continue;
                if (g >= k)
                {
                    InterlockedMin(counts[k * k], g);
                    continue;
                }
                if (q == 255u)
                {
                    if (pc.predictedIgnoreAsBackground == 0) continue;
                    q = 0;
                }
                if (q >= k)
                {
                    InterlockedMin(counts[k * k + 1], q);
                    continue;
                }
                uint key = g * k + q;
                if (key != runKey)
                {
                    if (runCount != 0) Add(runKey, runCount, useShared);
                    runKey = key;
                    runCount = 0;
                }
                runCount++;
            }
            if (runCount != 0) Add(runKey, runCount, useShared);
        }
    }

    GroupMemoryBarrierWithGroupSync();
    for (uint t = local.x; t < cells; t += GROUP_SIZE)
    {
        uint c = table[t];
        if (c != 0) InterlockedAdd(counts[t], c);
    }
}
