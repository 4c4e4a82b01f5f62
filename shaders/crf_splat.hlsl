// Dense CRF (lucasb-eyer/pydensecrf densecrf/src/permutohedral.cpp), permutohedral splat as a gather, first half:
// each vertex's list of (pixel, weight), pixels ascending, is cut into segments of at most a few dozen corners
// (crf_lattice_segments), and each thread sums one (segment, label) in pixel order into `partial`; crf_splat_rows
// adds a vertex's segments in order. No atomics (core Vulkan 1.1 has no float atomics), every sum in one fixed
// order run to run, and a vertex shared by thousands of pixels (a flat region under the bilateral kernel) is spread
// over as many threads instead of one. Weights already carry the symmetric normalisation of the source pixel.
#define GROUP_SIZE 256

struct Params
{
    uint segments;  // segment slots; those past the last segment are empty
    uint labels;
    uint groupsX;   // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> q;            // pixel-major, `labels` per pixel
[[vk::binding(1, 0)]] StructuredBuffer<uint> segmentBegin;  // segments + 1
[[vk::binding(2, 0)]] StructuredBuffer<uint> entryPixel;
[[vk::binding(3, 0)]] StructuredBuffer<float> entryWeight;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> partial;    // segments rows of `labels`

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    uint total = pc.segments * pc.labels;
    for (uint i = group.x * GROUP_SIZE + local.x; i < total; i += pc.groupsX * GROUP_SIZE)
    {
        uint s = i / pc.labels;
        uint l = i - s * pc.labels;
        float sum = 0.0f;
        uint end = segmentBegin[s + 1u];
        for (uint e = segmentBegin[s]; e < end; e++)
            sum += entryWeight[e] * q[entryPixel[e] * pc.labels + l];
        partial[i] = sum;
    }
}
