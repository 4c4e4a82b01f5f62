// Dense CRF (lucasb-eyer/pydensecrf densecrf/src/densecrf.cpp), one mean-field update per pixel: slice each kernel's blurred lattice
// (weights carry alpha and the symmetric normalisation), add compat times it to -U (Potts: logits
// are -U + sum_k w_k * Knorm_k Q, pydensecrf's sign), then softmax with the max subtracted.
// kernelCount 0 gives the initial Q = softmax(-U).
#define GROUP_SIZE 256

struct Params
{
    uint pixels;
    uint labels;
    uint kernelCount;
    uint groupsX;
    uint corners0; // d + 1 of kernel 0
    uint corners1;
    float compat0;
    float compat1;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> negU;        // pixel-major
[[vk::binding(1, 0)]] StructuredBuffer<uint> offsets0;     // pixel-major corners
[[vk::binding(2, 0)]] StructuredBuffer<float> slice0;
[[vk::binding(3, 0)]] StructuredBuffer<float> blurred0;    // vertex-major
[[vk::binding(4, 0)]] StructuredBuffer<uint> offsets1;
[[vk::binding(5, 0)]] StructuredBuffer<float> slice1;
[[vk::binding(6, 0)]] StructuredBuffer<float> blurred1;
[[vk::binding(7, 0)]] RWStructuredBuffer<float> q;         // pixel-major

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    for (uint p = group.x * GROUP_SIZE + local.x; p < pc.pixels; p += pc.groupsX * GROUP_SIZE)
    {
        uint base = p * pc.labels;
        float maxLogit = -1.0f / 0.0f;
        for (uint l = 0; l < pc.labels; l++)
        {
            float logit = negU[base + l];
            if (pc.kernelCount > 0)
                for (uint r = 0; r < pc.corners0; r++)
                {
                    uint c = p * pc.corners0 + r;
                    logit += (pc.compat0 * slice0[c]) * blurred0[offsets0[c] * pc.labels + l];
                }
            if (pc.kernelCount > 1)
                for (uint r = 0; r < pc.corners1; r++)
                {
                    uint c = p * pc.corners1 + r;
                    logit += (pc.compat1 * slice1[c]) * blurred1[offsets1[c] * pc.labels + l];
                }
            q[base + l] = logit;
            maxLogit = max(maxLogit, logit);
        }
        float sum = 0.0f;
        for (uint l = 0; l < pc.labels; l++)
        {
            float e = exp(q[base + l] - maxLogit);
            q[base + l] = e;
            sum += e;
        }
        for (uint l = 0; l < pc.labels; l++)
            q[base + l] = q[base + l] / sum;
    }
}
