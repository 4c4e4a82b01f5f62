// Dense CRF lattice build on the GPU, step 5: the transposed splat crf_splat.hlsl reads. With sortFirst, each
// vertex's CSR row of corner indices is sorted ascending (heap sort in place), i.e. pixels ascending as the
// CPU-built list (src/WsssGpuRefine/Crf/CrfImage.cs SplatGatherList), so every splat sum has one fixed order run
// to run; then each entry gets its pixel and the weight of its corner from cornerWeights (the barycentric
// weights for the normalisation's filter of ones, the normalised splat weights after it).
#define GROUP_SIZE 256

struct Params
{
    uint vertexCount;
    uint corners;     // d + 1
    uint sortFirst;
    uint groupsX;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> start;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> entryCorner;
[[vk::binding(2, 0)]] StructuredBuffer<float> cornerWeights;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> entryPixel;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> entryWeight;

void SiftDown(uint base, uint root, uint n)
{
    uint value = entryCorner[base + root];
    for (;;)
    {
        uint child = root * 2u + 1u;
        if (child >= n) break;
        uint childValue = entryCorner[base + child];
        if (child + 1u < n)
        {
            uint right = entryCorner[base + child + 1u];
            if (right > childValue) { child += 1u; childValue = right; }
        }
        if (childValue <= value) break;
        entryCorner[base + root] = childValue;
        root = child;
    }
    entryCorner[base + root] = value;
}

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint v = group.x * GROUP_SIZE + local.x; v < pc.vertexCount; v += pc.groupsX * GROUP_SIZE)
    {
        uint base = start[v];
        uint n = start[v + 1u] - base;
        if (pc.sortFirst != 0u && n > 1u)
        {
            for (uint i = n / 2u; i > 0u; i--) SiftDown(base, i - 1u, n);
            for (uint end = n - 1u; end > 0u; end--)
            {
                uint top = entryCorner[base];
                entryCorner[base] = entryCorner[base + end];
                entryCorner[base + end] = top;
                SiftDown(base, 0u, end);
            }
        }
        for (uint e = base; e < base + n; e++)
        {
            uint c = entryCorner[e];
            entryPixel[e] = c / pc.corners;
            entryWeight[e] = cornerWeights[c];
        }
    }
}
