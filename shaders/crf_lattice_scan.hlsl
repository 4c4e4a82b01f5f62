// Dense CRF lattice build on the GPU, step 3: start[v] = sum of cornerCounts[0..v), start[count] = the total. One
// workgroup: each thread sums a contiguous run, the 256 run totals are scanned in workgroup memory, then each thread
// writes its run's starts. The build runs it on the block sums of crf_lattice_scan_blocks (a few hundred for a
// VOC image), between that pass and crf_lattice_scan_write, for the CSR row starts and the splat segments' starts.
#define GROUP_SIZE 256

struct Params
{
    uint count;
    uint pad0;
    uint pad1;
    uint pad2;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<uint> cornerCounts;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> start;      // count + 1

groupshared uint runTotals[GROUP_SIZE];

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 local : SV_GroupThreadID)
{
    uint t = local.x;
    uint run = (pc.count + GROUP_SIZE - 1u) / GROUP_SIZE;
    uint lo = min(pc.count, t * run);
    uint hi = min(pc.count, lo + run);
    uint total = 0u;
    for (uint i = lo; i < hi; i++) total += cornerCounts[i];
    runTotals[t] = total;
    GroupMemoryBarrierWithGroupSync();
    if (t == 0u)
    {
        uint running = 0u;
        for (uint k = 0u; k < GROUP_SIZE; k++)
        {
            uint here = runTotals[k];
            runTotals[k] = running;
            running += here;
        }
        start[pc.count] = running;
    }
    GroupMemoryBarrierWithGroupSync();
    uint position = runTotals[t];
    for (uint i = lo; i < hi; i++)
    {
        start[i] = position;
        position += cornerCounts[i];
    }
}
