// PSA's power background (jiwoon-ahn/psa infer_cls.py) for several images per dispatch: bg = (1 - m)^alpha with m the
// max over the foreground maps, label = argmax over [bg; M], ties to the lowest index (background).
// The CPU rule is powf for every alpha (Labels/BackgroundRule.Power, as numpy's np.power on float32).
// The host passes an integer exponent only for alpha 0 and 1, where square-and-multiply ('precise', no
// fused or reordered multiply) equals powf exactly. Every other alpha uses pow, whose GPU precision is
// loose: pixels where bg and m are too close to call, or where the base is negative, are written as 255
// and the host recomputes them with the CPU rule (ScoreLabels.LabelPixel).
#include "max_argmax.hlsli"

#define NOT_INTEGER 0xFFFFFFFFu
#define RECOMPUTE_ON_HOST 255u

struct Params
{
    float alpha;
    uint exponent;
    uint pieceCount;
    uint groupsX; // SV_NumWorkGroups is not an HLSL semantic glslang maps: the host passes it
};
[[vk::push_constant]] ConstantBuffer<Params> pc;

[[vk::binding(0, 0)]] StructuredBuffer<float> maps;
[[vk::binding(1, 0)]] StructuredBuffer<uint> labelIds;
[[vk::binding(2, 0)]] StructuredBuffer<uint> pieces;
[[vk::binding(3, 0)]] RWStructuredBuffer<uint> labels;

float IntegerPower(float baseValue, uint e)
{
    precise float result = 1.0f;
    precise float b = baseValue;
    while (e != 0)
    {
        if ((e & 1u) != 0) result = result * b;
        b = b * b;
        e >>= 1;
    }
    return result;
}

uint LabelOf(float m, uint a, uint channels, uint labelOffset)
{
    if (channels == 0) return 0u;
    precise float baseValue = 1.0f - m;
    if (pc.exponent != NOT_INTEGER)
    {
        float bg = IntegerPower(baseValue, pc.exponent);
        return m > bg ? labelIds[labelOffset + a] : 0u;
    }
    if (m != m) return 0u; // NaN never wins an argmax against the background on the CPU either
    if (baseValue < 0.0f) return RECOMPUTE_ON_HOST;
    float approx = pow(baseValue, pc.alpha);
    float gap = abs(m - approx);
    float scale = max(abs(m), abs(approx));
    if (gap <= 1e-3f * scale || scale < 1e-30f) return RECOMPUTE_ON_HOST;
    return m > approx ? labelIds[labelOffset + a] : 0u;
}

#include "label_pieces_main.hlsli"
