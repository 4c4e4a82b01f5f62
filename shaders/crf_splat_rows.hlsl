// Dense CRF splat, second half: each (vertex, label) adds its segments' sums (crf_splat) in segment order.
#define GROUP_SIZE 256

struct Params
{
    uint vertexCount;
    uint labels;
    uint groupsX;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> partial;      // per segment, `labels`
[[vk::binding(1, 0)]] StructuredBuffer<uint> segmentStart;  // vertexCount + 1
[[vk::binding(2, 0)]] RWStructuredBuffer<float> values;     // (vertexCount + 1) rows; row vertexCount stays 0

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint total = pc.vertexCount * pc.labels;
    for (uint i = group.x * GROUP_SIZE + local.x; i < total; i += pc.groupsX * GROUP_SIZE)
    {
        uint v = i / pc.labels;
        uint l = i - v * pc.labels;
        float sum = 0.0f;
        uint end = segmentStart[v + 1u];
        for (uint s = segmentStart[v]; s < end; s++) sum += partial[s * pc.labels + l];
        values[i] = sum;
    }
}
