// Dense CRF lattice build on the GPU: the splat segments. Vertex v's row [start[v], start[v+1]) is cut into the
// segments [segmentStart[v], segmentStart[v+1]), segment j beginning at corner entry start[v] + j * segmentLength;
// a segment ends where the next begins. The host fills segmentBegin with the entry count first, so the segments
// past the last (the buffer is sized for the most there can be) are empty.
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
[[vk::binding(1, 0)]] StructuredBuffer<uint> segmentStart;    // vertexCount + 1
[[vk::binding(2, 0)]] RWStructuredBuffer<uint> segmentBegin;

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint v = group.x * GROUP_SIZE + local.x; v < pc.vertexCount; v += pc.groupsX * GROUP_SIZE)
    {
        uint first = segmentStart[v];
        uint count = segmentStart[v + 1u] - first;
        for (uint j = 0u; j < count; j++) segmentBegin[first + j] = start[v] + j * pc.segmentLength;
    }
}
