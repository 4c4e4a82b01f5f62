// Dense CRF lattice build on the GPU, step 5: each vertex's CSR row put in corner order, i.e. pixels ascending as
// the CPU-built list (src/WsssGpuRefine/Crf/CrfImage.cs SplatGatherList), so every splat sum has one fixed order
// run to run. crf_lattice_fill left a row's corners in whatever order its atomics gave; here each corner counts the
// smaller corner indices in its own row (a row holds a corner index once), which is its place in the sorted row.
// One thread per corner, each walking its own row: a vertex shared by thousands of pixels (a flat region under the
// bilateral kernel) costs thousands of steps on each of as many threads side by side, not one thread's serial sort.
#define GROUP_SIZE 256

struct Params
{
    uint corners;   // pixels * (d + 1)
    uint groupsX;
    uint pad0;
    uint pad1;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> offsets;
[[vk::binding(1, 0)]] StructuredBuffer<uint> start;
[[vk::binding(2, 0)]] StructuredBuffer<uint> filledCorner;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> sortedCorner;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint e = group.x * GROUP_SIZE + local.x; e < pc.corners; e += pc.groupsX * GROUP_SIZE)
    {
        uint c = filledCorner[e];
        uint v = offsets[c];
        uint base = start[v];
        uint end = start[v + 1u];
        uint rank = 0u;
        for (uint k = base; k < end; k++) rank += filledCorner[k] < c ? 1u : 0u;
        sortedCorner[base + rank] = c;
    }
}
