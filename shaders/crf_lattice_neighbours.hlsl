// Dense CRF lattice build on the GPU, step 2 (lucasb-eyer/pydensecrf densecrf/src/permutohedral.cpp init(), blur
// neighbours): for vertex v and lattice axis j the two neighbours v -/+ the axis step (coordinate j moves by +/-d,
// every other by -/+1, in 16-bit lanes as src/WsssGpuRefine/Crf/PermutohedralLattice.cs), looked up in the table
// crf_lattice_insert filled (slot -> claiming corner -> its key; slotVertex -> the id); a missing neighbour is
// vertexCount, the zero row of every value buffer.
#include "crf_lattice.hlsli"
#define GROUP_SIZE 256

struct Params
{
    uint vertexCount;
    uint dimension;
    uint slotMask;
    uint groupsX;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> slots;
[[vk::binding(1, 0)]] StructuredBuffer<uint> cornerKeys;
[[vk::binding(2, 0)]] StructuredBuffer<uint> slotVertex;
[[vk::binding(3, 0)]] StructuredBuffer<uint> vertexKeys;
[[vk::binding(4, 0)]] RWStructuredBuffer<uint> neighbours;   // per axis j and vertex v at ((j * M + v) * 2): n1, n2

uint Find(uint4 key)
{
    uint s = HashKey(key) & pc.slotMask;
    uint result = EMPTY_SLOT;
    bool done = false;
    while (!done)
    {
        uint entry = slots[s];
        if (entry == EMPTY_SLOT)
        {
            result = pc.vertexCount;
            done = true;
        }
        else if (all(LoadKey(cornerKeys, entry - 1u) == key))
        {
            result = slotVertex[s];
            done = true;
        }
        else
            s = (s + 1u) & pc.slotMask;
    }
    return result;
}

int Lane(uint words[KEY_WORDS], int i)
{
    return ((int)(words[i >> 1] << (16 - 16 * (i & 1)))) >> 16;
}

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    int d = (int)pc.dimension;
    for (uint v = group.x * GROUP_SIZE + local.x; v < pc.vertexCount; v += pc.groupsX * GROUP_SIZE)
    {
        uint key[KEY_WORDS] = { vertexKeys[v * KEY_WORDS + 0], vertexKeys[v * KEY_WORDS + 1],
                                vertexKeys[v * KEY_WORDS + 2], vertexKeys[v * KEY_WORDS + 3] };
        for (int j = 0; j <= d; j++)
        {
            uint n1[KEY_WORDS] = { 0u, 0u, 0u, 0u };
            uint n2[KEY_WORDS] = { 0u, 0u, 0u, 0u };
            for (int k = 0; k < d; k++)
            {
                int c = Lane(key, k);
                int c1 = k == j ? c + d : c - 1;
                int c2 = k == j ? c - d : c + 1;
                n1[k >> 1] |= ((uint)c1 & 0xFFFFu) << (16 * (k & 1));
                n2[k >> 1] |= ((uint)c2 & 0xFFFFu) << (16 * (k & 1));
            }
            uint o = ((uint)j * pc.vertexCount + v) * 2u;
            neighbours[o] = Find(uint4(n1[0], n1[1], n1[2], n1[3]));
            neighbours[o + 1u] = Find(uint4(n2[0], n2[1], n2[2], n2[3]));
        }
    }
}
