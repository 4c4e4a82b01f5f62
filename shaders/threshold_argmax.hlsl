// IRN's constant-threshold rule (jiwoon-ahn/irn step/eval_cam.py) for several images per dispatch:
// label = (max_c M_c > t) ? labelIds[first argmax] : 0, t already rounded to float32 on the host.
#include "max_argmax.hlsli"

struct Params
{
    float threshold;
    uint pieceCount;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
    uint pad0;
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> maps;
[[vk::binding(1, 0)]] StructuredBuffer<uint> labelIds;
[[vk::binding(2, 0)]] StructuredBuffer<uint> pieces;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> labels;

uint LabelOf(float m, uint a, uint channels, uint labelOffset)
{
    return m > pc.threshold ? labelIds[labelOffset + a] : 0u;
}

#include "label_pieces_main.hlsli"
