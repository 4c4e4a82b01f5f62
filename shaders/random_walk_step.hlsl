// One step of the affinity random walk x <- x.T (jiwoon-ahn/irn misc/indexing.py, jiwoon-ahn/psa infer_aff.py), T = colnorm(A^beta) in stencil form.
// Buffers use the host's padded layout (StencilTransition): every plane is (height + 2 halo) rows of
// rowStride floats with zeros in the halo, so shifted reads need no bounds checks and pairs that
// leave the grid weigh zero. A is symmetric, so the pair (j, j+d) is read at j and the pair
// (j-d, j) at j-d in the same direction plane.
// The sum runs over differences: rw[j] = x[j] + invColSum[j] * sum_i A^beta_ij (x[i] - x[j]),
// equal to sum_i T_ij x[i] because T's columns sum to one; float rounding then scales with the
// local contrast, which the walk removes, instead of with the values (the CPU does the same).
// One thread per (target pixel, channel); the host records all steps in one command buffer,
// ping-ponging source and target with a barrier between dispatches.

struct Params
{
    uint width;
    uint height;
    uint rowStride;
    uint halo;
    uint planeSize;
    uint directions;
    uint channels;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> betaPlanes;       // (directions, planeSize)
[[vk::binding(1, 0)]] StructuredBuffer<float> inverseColumnSum; // (planeSize), 0 outside the grid
[[vk::binding(2, 0)]] StructuredBuffer<int> offsets;            // dy * rowStride + dx per direction
[[vk::binding(3, 0)]] StructuredBuffer<float> source;           // (channels, planeSize)
[[vk::binding(4, 0)]] RWStructuredBuffer<float> target;         // (channels, planeSize), halo kept 0

[numthreads(16, 16, 1)]
void main(uint3 id : SV_DispatchThreadID)
{
    if (id.x >= pc.width || id.y >= pc.height || id.z >= pc.channels) return;
    int j = int((id.y + pc.halo) * pc.rowStride + pc.halo + id.x);
    int channelBase = int(id.z * pc.planeSize);
    float centre = source[channelBase + j];
    float acc = 0.0;
    for (uint d = 0; d < pc.directions; d++)
    {
        int off = offsets[d];
        int plane = int(d * pc.planeSize) + j;
        acc += betaPlanes[plane] * (source[channelBase + j + off] - centre);
        acc += betaPlanes[plane - off] * (source[channelBase + j - off] - centre);
    }
    target[channelBase + j] = centre + acc * inverseColumnSum[j];
}
