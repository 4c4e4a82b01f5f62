// Dense CRF lattice build on the GPU, first pass of the row-start scan: the sum of each block of 1024 counts (256
// threads, 4 consecutive counts each). crf_lattice_scan then scans the block sums in one workgroup and
// crf_lattice_scan_write writes each block's starts, so no thread walks more than 4 counts plus the block sums.
#define GROUP_SIZE 256
#define BLOCK (GROUP_SIZE * 4)

struct Params
{
    uint count;
    uint blocks;
    uint groupsX;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> counts;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> blockTotals;   // blocks

groupshared uint partialSums[GROUP_SIZE];

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint t = local.x;
    for (uint b = group.x; b < pc.blocks; b += pc.groupsX)
    {
        uint first = b * BLOCK + t * 4u;
        uint sum = 0u;
        for (uint k = 0u; k < 4u; k++)
            if (first + k < pc.count) sum += counts[first + k];
        partialSums[t] = sum;
        GroupMemoryBarrierWithGroupSync();
        for (uint stride = GROUP_SIZE / 2u; stride > 0u; stride >>= 1)
        {
            if (t < stride) partialSums[t] += partialSums[t + stride];
            GroupMemoryBarrierWithGroupSync();
        }
        if (t == 0u) blockTotals[b] = partialSums[0];
        GroupMemoryBarrierWithGroupSync();
    }
}
