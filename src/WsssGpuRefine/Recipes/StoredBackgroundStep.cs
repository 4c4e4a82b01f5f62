using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// First step for dumps that carry their own background channel (label id 0), e.g. PSA's la/ha CRF dicts, SSDD's
/// <c>out_aff</c> and WSGCN's <c>Logit</c> ({0: bg, c+1: map}): the stored stack [bg; M] is kept as it is and, when
/// nothing follows, labelled by its argmax (first maximum, as numpy's argmax).
/// </summary>
public sealed class StoredBackgroundStep : RecipeStep
{
    /// <inheritdoc/>
    public override string Name => "stored-background";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        var stored = state.Input.Cams;
        if (stored.Channels == 0 || stored.LabelIds[0] != 0)
            throw new WsssInputException(state.Input.File, "the dump has no background channel of its own: give a background rule (--threshold or --bg-power)");
        state.Scores = stored;
        if (last) state.Labels = Argmax(stored);
    }

    /// <summary>The label id of each pixel's first maximum over the channels.</summary>
    private static LabelMap Argmax(ClassMaps maps)
    {
        int n = maps.PixelCount;
        var result = new byte[n];
        for (int p = 0; p < n; p++)
        {
            int best = 0;
            for (int c = 1; c < maps.Channels; c++)
                if (maps.Data[c * n + p] > maps.Data[best * n + p]) best = c;
            result[p] = (byte)maps.LabelIds[best];
        }
        return new LabelMap(maps.Height, maps.Width, result);
    }
}
