using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// First and last step: the la/ha label map AffinityNet trains on (jiwoon-ahn/psa train_aff.py:57-61 and
/// voc12/data.py:205-229). PSA's training loader pools the saved la and ha CRF dicts with <c>AvgPool2d(8)</c>
/// (tool/imutils.py:123-131, <c>skimage.measure.block_reduce</c>: 8×8 means, the last partial blocks padded with
/// zeros) and applies the la/ha rule (<see cref="PsaLaHaRecipe.Rule"/>) to the pooled probabilities, so the label map is
/// ⌈H/8⌉ × ⌈W/8⌉. Here without the loader's random crop and flip (those are training augmentation).
/// </summary>
/// <param name="options">The two α values and the CRF.</param>
/// <param name="stride">The pooling window (AffinityNet's feature stride, 8).</param>
public sealed class AffinityLabelStep(PsaLaHaOptions options, int stride = 8) : CrfRecipeStep
{
    /// <summary>The two α values and the CRF.</summary>
    public PsaLaHaOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The pooling window.</summary>
    public int Stride { get; } = stride >= 1 ? stride : throw new ArgumentOutOfRangeException(nameof(stride), "the stride must be at least 1");

    /// <inheritdoc/>
    public override string Name => "la-ha+crf+pool";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        var full = PsaLaHaRecipe.Run(backend, state.Image, state.Foreground, Options);
        var la = Pool(full.La, Stride);
        var ha = Pool(full.Ha, Stride);
        state.Labels = PsaLaHaRecipe.Rule(la, ha, full.LabelIds);
        state.Scores = null;
    }

    /// <summary>
    /// <c>block_reduce(x, (s, s, 1), np.mean)</c> of every channel (zero padding to a multiple of s), then the first
    /// argmax per pooled pixel. Each block's sum is taken in double and rounded once to float32 (numpy sums float32
    /// pairwise; the two agree but for ties within one float32 unit).
    /// </summary>
    internal static CrfResult Pool(CrfResult result, int stride)
    {
        ArgumentNullException.ThrowIfNull(result);
        int h = result.Height, w = result.Width, n = result.LabelCount;
        int ph = (h + stride - 1) / stride, pw = (w + stride - 1) / stride, ppx = ph * pw;
        var pooled = new float[n * ppx];
        double area = (double)stride * stride;
        for (int l = 0; l < n; l++)
        for (int by = 0; by < ph; by++)
        for (int bx = 0; bx < pw; bx++)
        {
            double sum = 0;
            for (int y = by * stride; y < Math.Min(h, (by + 1) * stride); y++)
            for (int x = bx * stride; x < Math.Min(w, (bx + 1) * stride); x++)
                sum += result.Marginals[(l * h + y) * w + x];
            pooled[l * ppx + by * pw + bx] = (float)(sum / area);
        }
        var labels = CrfUnary.Argmax(new ClassMaps([.. Enumerable.Range(0, n)], ph, pw, pooled)).Labels;
        return new CrfResult(n, ph, pw, pooled, labels);
    }
}
