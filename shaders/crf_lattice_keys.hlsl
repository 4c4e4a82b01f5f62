// Dense CRF lattice build on the GPU, step 1 (lucasb-eyer/pydensecrf densecrf/src/permutohedral.cpp init()):
// per pixel the elevation onto the hyperplane, the nearest remainder-0 point, the simplex rank, the barycentric
// weights and the d+1 corner keys, in float32 and in the same operations and order as the CPU
// (src/WsssGpuRefine/Crf/PermutohedralLattice.cs BuildChunk; `precise`: no FMA contraction; HLSL round() is
// round-half-to-even, SPIR-V RoundEven). Keys are packed as crf_lattice.hlsli says.
#include "crf_lattice.hlsli"
#define GROUP_SIZE 256
#define MAX_D 8

struct Params
{
    uint pixels;
    uint dimension;
    uint groupsX;
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> features;        // pixel-major (N, d)
[[vk::binding(1, 0)]] StructuredBuffer<float> scale;           // d: sqrt(2/3)(d+1)/sqrt((i+1)(i+2)), from the host
[[vk::binding(2, 0)]] RWStructuredBuffer<float> barycentric;   // (N, d+1)
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> cornerKeys;     // (N, d+1) keys of KEY_WORDS words

[numthreads(GROUP_SIZE, 1, 1)]
void main(uint3 group : SV_GroupID, uint3 local : SV_GroupThreadID)
{
    int d = (int)pc.dimension;
    int d1 = d + 1;
    precise float down = 1.0f / (float)d1;
    for (uint p = group.x * GROUP_SIZE + local.x; p < pc.pixels; p += pc.groupsX * GROUP_SIZE)
    {
        precise float elevated[MAX_D + 1];
        precise float rem0[MAX_D + 1];
        precise float bary[MAX_D + 2];
        int rank[MAX_D + 1];
        precise float sm = 0.0f;
        for (int j = d; j > 0; j--)
        {
            precise float cf = features[p * (uint)d + (uint)(j - 1)] * scale[j - 1];
            elevated[j] = sm - (float)j * cf;
            sm += cf;
        }
        elevated[0] = sm;

        int sum = 0;
        for (int i = 0; i <= d; i++)
        {
            precise float v = round(down * elevated[i]);   // HLSL round: half to even, as the reference's SSE
            rem0[i] = v * (float)d1;
            sum += (int)v;
            rank[i] = 0;
        }
        for (int i = 0; i < d; i++)
        {
            precise float di = elevated[i] - rem0[i];
            for (int j = i + 1; j <= d; j++)
            {
                precise float dj = elevated[j] - rem0[j];
                if (di < dj) rank[i] += 1;
                else rank[j] += 1;
            }
        }
        for (int i = 0; i <= d; i++)
        {
            rank[i] += sum;
            if (rank[i] < 0) { rank[i] += d1; rem0[i] += (float)d1; }
            else if (rank[i] >= d1) { rank[i] -= d1; rem0[i] -= (float)d1; }
        }
        for (int i = 0; i <= d + 1; i++) bary[i] = 0.0f;
        for (int i = 0; i <= d; i++)
        {
            precise float v = (elevated[i] - rem0[i]) * down;
            bary[d - rank[i]] += v;
            bary[d - rank[i] + 1] -= v;
        }
        bary[0] += 1.0f + bary[d + 1];

        for (int r = 0; r <= d; r++)
        {
            uint words[KEY_WORDS] = { 0u, 0u, 0u, 0u };
            for (int i = 0; i < d; i++)
            {
                // The canonical simplex: corner r adds r to coordinates ranked at most d-r and r-(d+1) to the others.
                int canonical = r - (((d - r - rank[i]) >> 31) & d1);
                uint lane = (uint)((int)rem0[i] + canonical) & 0xFFFFu;
                words[i >> 1] |= lane << (16 * (i & 1));
            }
            uint c = p * (uint)d1 + (uint)r;
            barycentric[c] = bary[r];
            cornerKeys[c * KEY_WORDS + 0] = words[0];
            cornerKeys[c * KEY_WORDS + 1] = words[1];
            cornerKeys[c * KEY_WORDS + 2] = words[2];
            cornerKeys[c * KEY_WORDS + 3] = words[3];
        }
    }
}
