// Dense CRF lattice build on the GPU, after step 5 (crf_lattice_rank): the transposed splat crf_splat.hlsl
// reads. Every entry of the sorted CSR rows gets its pixel and the weight of its corner from cornerWeights (the
// barycentric weights for the normalisation's filter of ones, the normalised splat weights after it).
#define GROUP_SIZE 256

struct Params
{
    uint entries;     // pixels * (d + 1)
    uint corners;     // d + 1
    uint groupsX;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> sortedCorner;
[[vk::binding(1, 0)]] StructuredBuffer<float> cornerWeights;
[[vk::binding(2, 0)]] RWStructuredBuffer<uint> entryPixel;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> entryWeight;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint e = group.x * GROUP_SIZE + local.x; e < pc.entries; e += pc.groupsX * GROUP_SIZE)
    {
        uint c = sortedCorner[e];
        entryPixel[e] = c / pc.corners;
        entryWeight[e] = cornerWeights[c];
    }
}
