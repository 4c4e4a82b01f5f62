using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// ICD's seed rule (js-fan/ICD run_icd.py): foreground where a class's ICD score is positive,
/// background where every present class's score is negative, overlapping foreground proposals decided by
/// CAM × ICD, and 255 where the evidence is missing or contradictory. The seeds then go through the <c>icd</c> CRF
/// (<see cref="DenseCrf.RefineSeeds"/>).
/// </summary>
public static class IcdSeedRecipe
{
    private const float Tiny = 1e-5f;

    /// <param name="icd">ICD scores (C,H,W) of the present classes, on the image (canvas resized and cropped).</param>
    /// <param name="cams">The CAM scores of the same classes and size; used only to settle overlapping proposals.</param>
    /// <returns>VOC ids, 0 = background, 255 = undefined.</returns>
    public static LabelMap Seeds(ClassMaps icd, ClassMaps? cams)
    {
        ArgumentNullException.ThrowIfNull(icd);
        icd = icd.ForegroundOnly();
        int c = icd.Channels, n = icd.PixelCount;
        if (cams is not null)
        {
            cams = cams.ForegroundOnly();
            if (cams.Height != icd.Height || cams.Width != icd.Width || !cams.LabelIds.SequenceEqual(icd.LabelIds))
                throw new WsssInputException(null, "the CAM and ICD scores must cover the same classes at the same size");
        }
        var output = new byte[n];
        if (c == 0)
        {
            Array.Fill(output, LabelMap.Ignore);
            return new LabelMap(icd.Height, icd.Width, output);
        }

        // Per class: positive part over the class max (foreground strength), negative part over the class min.
        var fgScale = new float[c];
        var bgScale = new float[c];
        for (int k = 0; k < c; k++)
        {
            var ch = icd.Channel(k);
            float max = float.NegativeInfinity, min = float.PositiveInfinity;
            foreach (float v in ch)
            {
                max = MathF.Max(max, v);
                min = MathF.Min(min, v);
            }
            fgScale[k] = MathF.Max(max, Tiny);
            bgScale[k] = MathF.Min(min, -Tiny);
        }

        // CAMs shifted to start at 0 and scaled by their global max, over all classes at once.
        float camShift = 0, camScale = 1;
        bool resolveConflicts = c > 1 && cams is not null;
        if (resolveConflicts)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            foreach (float v in cams!.Data)
            {
                float r = MathF.Max(v, 0);
                min = MathF.Min(min, r);
                max = MathF.Max(max, r);
            }
            camShift = min;
            camScale = MathF.Max(max - min, Tiny);
        }

        for (int p = 0; p < n; p++)
        {
            int proposals = 0, first = -1;
            bool allBackground = true;
            float bestComposite = float.NegativeInfinity, worstComposite = float.PositiveInfinity;
            int bestClass = 0;
            for (int k = 0; k < c; k++)
            {
                float s = icd.Data[k * n + p];
                float fg = MathF.Max(s, 0) / fgScale[k];
                if (fg > Tiny)
                {
                    proposals++;
                    if (first < 0) first = k;
                }
                if (!(MathF.Min(s, 0) / bgScale[k] > Tiny)) allBackground = false;
                if (resolveConflicts)
                {
                    float composite = (MathF.Max(cams!.Data[k * n + p], 0) - camShift) / camScale * fg;
                    if (composite > bestComposite)
                    {
                        bestComposite = composite;
                        bestClass = k;
                    }
                    worstComposite = MathF.Min(worstComposite, composite);
                }
            }
            bool foreground = proposals > 0;
            int chosen = proposals > 1 && resolveConflicts ? bestClass : Math.Max(first, 0);
            bool undefined = foreground == allBackground
                             || (resolveConflicts && foreground && bestComposite - worstComposite <= Tiny);
            output[p] = undefined ? LabelMap.Ignore : allBackground ? (byte)0 : (byte)icd.LabelIds[chosen];
        }
        return new LabelMap(icd.Height, icd.Width, output);
    }
}

/// <summary>First step: ICD's seeds from <see cref="RecipeInput.IcdScores"/> and the CAMs (<see cref="IcdSeedRecipe"/>); a <see cref="CrfStep"/> with the icd unary may follow.</summary>
public sealed class IcdSeedStep : RecipeStep
{
    /// <inheritdoc/>
    public override string Name => "icd-seeds";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last) =>
        state.Labels = IcdSeedRecipe.Seeds(
            state.Input.IcdScores ?? throw new WsssInputException(state.Input.File, "the ICD seed step needs the ICD scores"),
            state.Foreground);
}
