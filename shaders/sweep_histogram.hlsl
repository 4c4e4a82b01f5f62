// The exact one-pass threshold sweep (jiwoon-ahn/irn step/eval_cam.py: threshold rule and chainercv confusion) for several images per dispatch. Per pixel with
// a valid ground truth: m = max over the foreground maps, a = first argmax, bin = number of sorted
// thresholds strictly below m (the pixel is foreground exactly at those), and
// histogram[(bin * K + gt) * K + labelIds[a]] += 1. The host turns the histogram into one confusion
// matrix per threshold.
//
// (T+1)*K*K counters do not fit in workgroup memory for real sweeps (60 thresholds, 21 classes: 108 KB),
// but one workgroup only ever meets a few hundred distinct keys (a few classes per image, a few bins per
// region), so each workgroup counts into a 2048-entry open-addressing hash table in shared memory
// (16 KB, the minimum every device offers) and flushes it with one global atomic per distinct key. Keys
// that find no free slot within a short probe go straight to global memory, so correctness never depends
// on the table's size.
#include "max_argmax.hlsli"

#define PIECE_GT_OFFSET PIECE_OUT_OFFSET
#define TABLE_BITS 11
#define TABLE_SIZE (1u << TABLE_BITS)
#define MAX_PROBES 32
#define EMPTY_KEY 0xFFFFFFFFu

struct Params
{
    uint thresholdCount;
    uint classCount;
    uint pieceCount;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> maps;
[[vk::binding(1, 0)]] StructuredBuffer<uint> labelIds;
[[vk::binding(2, 0)]] StructuredBuffer<uint> pieces;
[[vk::binding(3, 0)]] StructuredBuffer<uint> groundTruth;
[[vk::binding(4, 0)]] StructuredBuffer<float> thresholds;
// (T+1)*K*K counters, then one slot holding the smallest out-of-range ground-truth label seen
// (the host fills it with 0xFFFFFFFF and reports a bad label as the CPU path does).
[[vk::binding(5, 0)]] RWStructuredBuffer<uint> histogram;

groupshared uint tableKeys[TABLE_SIZE];
groupshared uint tableCounts[TABLE_SIZE];

uint BinOf(float m)
{
    // Lower bound of m in the ascending thresholds: how many are < m (NaN compares false: bin 0).
    uint lo = 0;
    uint hi = pc.thresholdCount;
    while (lo < hi)
    {
        uint mid = (lo + hi) >> 1;
        if (thresholds[mid] < m) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

void Count(uint key)
{
    uint slot = (key * 2654435761u) >> (32 - TABLE_BITS);
    for (uint probe = 0; probe < MAX_PROBES; probe++)
    {
        uint previous;
        InterlockedCompareExchange(tableKeys[slot], EMPTY_KEY, key, previous);
        if (previous == EMPTY_KEY || previous == key)
        {
            InterlockedAdd(tableCounts[slot], 1u);
            return;
        }
        slot = (slot + 1) & (TABLE_SIZE - 1);
    }
    InterlockedAdd(histogram[key], 1u);
}

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint s = local.x; s < TABLE_SIZE; s += GROUP_SIZE)
    {
        tableKeys[s] = EMPTY_KEY;
        tableCounts[s] = 0;
    }
    GroupMemoryBarrierWithGroupSync();

    uint piece = group.y;
    uint k = pc.classCount;
    uint badSlot = (pc.thresholdCount + 1) * k * k;
    if (piece < pc.pieceCount)
    {
        uint mapOffset = pieces[piece * PIECE_STRIDE + PIECE_MAP_OFFSET];
        uint pixels = pieces[piece * PIECE_STRIDE + PIECE_PIXELS];
        uint channels = pieces[piece * PIECE_STRIDE + PIECE_CHANNELS];
        uint labelOffset = pieces[piece * PIECE_STRIDE + PIECE_LABEL_OFFSET];
        uint gtOffset = pieces[piece * PIECE_STRIDE + PIECE_GT_OFFSET];
        for (uint p = group.x * GROUP_SIZE + local.x; p < pixels; p += pc.groupsX * GROUP_SIZE)
        {
            uint g = (groundTruth[gtOffset + (p >> 2)] >> ((p & 3u) * 8u)) & 0xFFu;
            if (g == 255u) continue;
            if (g >= k)
            {
                InterlockedMin(histogram[badSlot], g);
                continue;
            }
            float m;
            uint a;
            MaxArgmax(maps, mapOffset, channels, pixels, p, m, a);
            uint label = channels == 0 ? 0u : labelIds[labelOffset + a];
            Count((BinOf(m) * k + g) * k + label);
        }
    }

    GroupMemoryBarrierWithGroupSync();
    for (uint t = local.x; t < TABLE_SIZE; t += GROUP_SIZE)
    {
        uint key = tableKeys[t];
        if (key != EMPTY_KEY) InterlockedAdd(histogram[key], tableCounts[t]);
    }
}
