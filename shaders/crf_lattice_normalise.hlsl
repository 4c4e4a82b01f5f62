// Dense CRF lattice build on the GPU, step 6 (lucasb-eyer/pydensecrf densecrf/src/pairwise.cpp NORMALIZE_SYMMETRIC):
// slice the blurred filter of ones (splat and blur ran through crf_splat / crf_blur with the barycentric
// weights), norm = 1/sqrt(K*1 + 1e-20), and fold it into the per-corner weights the mean field uses:
// splat = bary * norm, slice = bary * alpha * norm (src/WsssGpuRefine/Crf/CrfImage.cs CrfKernel, same order).
#define GROUP_SIZE 256

struct Params
{
    uint pixels;
    uint corners;   // d + 1
    uint groupsX;
    float alpha;    // 1 / (1 + 2^-d)
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> barycentric;
[[vk::binding(1, 0)]] StructuredBuffer<uint> offsets;
[[vk::binding(2, 0)]] StructuredBuffer<float> blurred;       // one value per vertex
[[vk::binding(3, 0)]] RWStructuredBuffer<float> splatWeights;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> sliceWeights;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint p = group.x * GROUP_SIZE + local.x; p < pc.pixels; p += pc.groupsX * GROUP_SIZE)
    {
        uint c0 = p * pc.corners;
        precise float filtered = 0.0f;
        for (uint r = 0u; r < pc.corners; r++)
        {
            precise float w = barycentric[c0 + r] * pc.alpha;
            filtered = filtered + w * blurred[offsets[c0 + r]];
        }
        precise float norm = 1.0f / sqrt(filtered + 1e-20f);
        for (uint r = 0u; r < pc.corners; r++)
        {
            precise float b = barycentric[c0 + r];
            splatWeights[c0 + r] = b * norm;
            sliceWeights[c0 + r] = (b * pc.alpha) * norm;
        }
    }
}
