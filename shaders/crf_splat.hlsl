// Dense CRF (lucasb-eyer/pydensecrf densecrf/src/permutohedral.cpp), permutohedral splat as a gather: the lattice is built on the host, which
// also transposes the pixel -> corner map into a per-vertex list of (pixel, weight) sorted by
// pixel, so each thread sums one (vertex, label) without atomics (core Vulkan 1.1 has no float
// atomics). Weights already carry the symmetric normalisation of the source pixel.
#define GROUP_SIZE 256

struct Params
{
    uint vertexCount;
    uint labels;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> q;            // pixel-major, `labels` per pixel
[[vk::binding(1, 0)]] StructuredBuffer<uint> entryStart;    // vertexCount + 1
[[vk::binding(2, 0)]] StructuredBuffer<uint> entryPixel;
[[vk::binding(3, 0)]] StructuredBuffer<float> entryWeight;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> values;     // (vertexCount + 1) rows; row vertexCount stays 0

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint total = pc.vertexCount * pc.labels;
    for (uint i = group.x * GROUP_SIZE + local.x; i < total; i += pc.groupsX * GROUP_SIZE)
    {
        uint v = i / pc.labels;
        uint l = i - v * pc.labels;
        float sum = 0.0f;
        uint end = entryStart[v + 1];
        for (uint e = entryStart[v]; e < end; e++)
            sum += entryWeight[e] * q[entryPixel[e] * pc.labels + l];
        values[i] = sum;
    }
}
