// Dense CRF lattice build on the GPU, step 4: each corner's vertex id (offsets, as the CPU lattice's Offsets) and
// the number of corners per vertex, the row lengths of the transposed splat.
#define GROUP_SIZE 256

struct Params
{
    uint corners;
    uint groupsX;
    uint pad0;
    uint pad1;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> slotOfCorner;
[[vk::binding(1, 0)]] StructuredBuffer<uint> slotVertex;
[[vk::binding(2, 0)]] RWStructuredBuffer<uint> offsets;        // (N, d+1)
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> cornerCounts;   // zeroed by the host

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint c = group.x * GROUP_SIZE + local.x; c < pc.corners; c += pc.groupsX * GROUP_SIZE)
    {
        uint id = slotVertex[slotOfCorner[c]];
        offsets[c] = id;
        InterlockedAdd(cornerCounts[id], 1u);
    }
}
