// Dense CRF lattice build on the GPU, step 2: every corner (pixel p, rank r: index c = p*(d+1)+r) finds or claims
// its key's slot in the hash table (crf_lattice.hlsli). A slot holds the corner that claimed it (c + 1), whose key
// crf_lattice_keys wrote in an earlier dispatch: one 32-bit compare-and-swap per probe and no key to publish, so
// no memory ordering between threads is needed. The slot found goes to slotOfCorner; crf_lattice_number turns
// the claiming corners into vertex ids.
#include "crf_lattice.hlsli"
#define GROUP_SIZE 256

struct Params
{
    uint corners;
    uint slotMask;  // slot count - 1: a power of two above the corner count, so a free slot always exists
    uint groupsX;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> cornerKeys;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> slots;          // zeroed by the host
[[vk::binding(2, 0)]] RWStructuredBuffer<uint> slotOfCorner;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint c = group.x * GROUP_SIZE + local.x; c < pc.corners; c += pc.groupsX * GROUP_SIZE)
    {
        uint4 key = LoadKey(cornerKeys, c);
        uint s = HashKey(key) & pc.slotMask;
        bool placed = false;
        while (!placed)
        {
            uint seen;
            InterlockedCompareExchange(slots[s], EMPTY_SLOT, c + 1u, seen);
            if (seen == EMPTY_SLOT || all(LoadKey(cornerKeys, seen - 1u) == key))
                placed = true;
            else
                s = (s + 1u) & pc.slotMask;
        }
        slotOfCorner[c] = s;
    }
}
