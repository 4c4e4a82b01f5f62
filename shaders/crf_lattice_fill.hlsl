// Dense CRF lattice build on the GPU, step 4: every corner (pixel p, rank r: index p*(d+1)+r) takes a place in
// its vertex's CSR row [start[v], start[v+1]), counting cornerCounts[v] down to 0. The order within a row is
// whatever the atomics give; crf_lattice_rank puts each row in corner order afterwards.
#define GROUP_SIZE 256

struct Params
{
    uint corners;   // pixels * (d + 1)
    uint groupsX;
    uint pad0;
    uint pad1;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> offsets;
[[vk::binding(1, 0)]] StructuredBuffer<uint> start;
[[vk::binding(2, 0)]] RWStructuredBuffer<uint> cornerCounts;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> entryCorner;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint c = group.x * GROUP_SIZE + local.x; c < pc.corners; c += pc.groupsX * GROUP_SIZE)
    {
        uint v = offsets[c];
        uint left;
        InterlockedAdd(cornerCounts[v], 0xFFFFFFFFu, left);
        entryCorner[start[v] + left - 1u] = c;
    }
}
