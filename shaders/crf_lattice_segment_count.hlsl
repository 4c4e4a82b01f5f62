// Dense CRF lattice build on the GPU: how many splat segments each vertex's CSR row is cut into, at most
// segmentLength corners each (at least one segment, every row holds a corner). Scanned by crf_lattice_scan into the
// segments' row starts; crf_lattice_segments then writes where each segment begins.
#define GROUP_SIZE 256

struct Params
{
    uint vertexCount;
    uint segmentLength;
    uint groupsX;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> start;           // vertexCount + 1
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> segmentCounts;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint v = group.x * GROUP_SIZE + local.x; v < pc.vertexCount; v += pc.groupsX * GROUP_SIZE)
    {
        uint n = start[v + 1u] - start[v];
        segmentCounts[v] = max(1u, (n + pc.segmentLength - 1u) / pc.segmentLength);
    }
}
