// Dense CRF lattice build on the GPU, last pass of the row-start scan: start[i] = blockStarts[block of i] + the
// counts before i in its block (256 threads, 4 consecutive counts each, their sums scanned in workgroup memory), and
// start[count] = the total (blockStarts[blocks], which crf_lattice_scan wrote).
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
[[vk::binding(1, 0)]] StructuredBuffer<uint> blockStarts;      // blocks + 1
[[vk::binding(2, 0)]] RWStructuredBuffer<uint> start;          // count + 1

groupshared uint threadStarts[GROUP_SIZE];

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint t = local.x;
    if (group.x == 0u && t == 0u) start[pc.count] = blockStarts[pc.blocks];
    for (uint b = group.x; b < pc.blocks; b += pc.groupsX)
    {
        uint first = b * BLOCK + t * 4u;
        uint here[4];
        uint sum = 0u;
        for (uint k = 0u; k < 4u; k++)
        {
            here[k] = first + k < pc.count ? counts[first + k] : 0u;
            sum += here[k];
        }
        threadStarts[t] = sum;
        GroupMemoryBarrierWithGroupSync();
        if (t == 0u)
        {
            uint running = blockStarts[b];
            for (uint k = 0u; k < GROUP_SIZE; k++)
            {
                uint s = threadStarts[k];
                threadStarts[k] = running;
                running += s;
            }
        }
        GroupMemoryBarrierWithGroupSync();
        uint position = threadStarts[t];
        for (uint k = 0u; k < 4u; k++)
        {
            if (first + k < pc.count) start[first + k] = position;
            position += here[k];
        }
        GroupMemoryBarrierWithGroupSync();
    }
}
