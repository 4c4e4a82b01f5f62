// Dense CRF (lucasb-eyer/pydensecrf densecrf/src/permutohedral.cpp), one permutohedral blur pass along one lattice axis, as pydensecrf:
// new[v] = old[v] + 0.5 * (old[n1] + old[n2]); a missing neighbour is the zero row vertexCount.
#define GROUP_SIZE 256

struct Params
{
    uint vertexCount;
    uint labels;
    uint axisOffset; // axis * vertexCount: where this axis's neighbour pairs start
    uint groupsX;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> source;
[[vk::binding(1, 0)]] StructuredBuffer<uint> neighbours;   // per axis and vertex: n1, n2
[[vk::binding(2, 0)]] RWStructuredBuffer<float> target;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint total = pc.vertexCount * pc.labels;
    for (uint i = group.x * GROUP_SIZE + local.x; i < total; i += pc.groupsX * GROUP_SIZE)
    {
        uint v = i / pc.labels;
        uint l = i - v * pc.labels;
        uint n1 = neighbours[(pc.axisOffset + v) * 2];
        uint n2 = neighbours[(pc.axisOffset + v) * 2 + 1];
        target[i] = source[i] + 0.5f * (source[n1 * pc.labels + l] + source[n2 * pc.labels + l]);
    }
}
