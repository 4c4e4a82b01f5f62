// Dense CRF lattice build on the GPU, step 3: the corner that claimed a slot numbers its vertex (the next id of an
// atomic counter, so ids follow no fixed order; every later sum runs in an order fixed by pixels and axes, so
// results do not depend on it) and stores the vertex's key by id.
#include "crf_lattice.hlsli"
#define GROUP_SIZE 256

struct Params
{
    uint corners;
    uint groupsX;
    uint pad0;
    uint pad1;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> cornerKeys;
[[vk::binding(1, 0)]] StructuredBuffer<uint> slots;
[[vk::binding(2, 0)]] StructuredBuffer<uint> slotOfCorner;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> slotVertex;     // vertex id of each claimed slot
[[vk::binding(4, 0)]] RWStructuredBuffer<uint> vertexKeys;     // KEY_WORDS per vertex id
[[vk::binding(5, 0)]] RWStructuredBuffer<uint> vertexCount;    // [0]: the id counter, zeroed by the host

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint c = group.x * GROUP_SIZE + local.x; c < pc.corners; c += pc.groupsX * GROUP_SIZE)
    {
        uint s = slotOfCorner[c];
        if (slots[s] != c + 1u) continue;
        uint id;
        InterlockedAdd(vertexCount[0], 1u, id);
        slotVertex[s] = id;
        for (uint k = 0u; k < KEY_WORDS; k++) vertexKeys[id * KEY_WORDS + k] = cornerKeys[c * KEY_WORDS + k];
    }
}
