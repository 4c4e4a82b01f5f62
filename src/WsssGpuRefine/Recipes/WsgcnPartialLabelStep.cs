using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// First and last step: WSGCN's partial pseudo labels (Xavier-Pan/WSGCN GCN/make_dataset.py:25-96,
/// <c>gen_partial_label_with_ratio</c>). The image as <c>cv2.imread</c> gives it (BGR) is resized with PIL's LANCZOS to
/// the stride-4 size ⌈H/4⌉ × ⌈W/4⌉ of IRN's <c>cam</c> (make_dataset.py:41-47); the reliable-region rule
/// (<see cref="ReliableRegionRecipe"/> with <see cref="ReliableRegionOptions.Wsgcn"/>: <c>wsgcn-partial</c> CRF, confident
/// ratio 0.3) runs there on the stride-4 CAMs (make_dataset.py:64-67); a pixel keeps its label only where it equals the
/// argmax of the rule's scores [ha background; la foreground] ("vote", make_dataset.py:79-83); the result is upsampled to
/// the image with torch's nearest interpolation (make_dataset.py:89-92, the <c>_DN_UP</c> labels the GCN trains on).
/// </summary>
/// <param name="options">The rule's parameters (WSGCN's by default).</param>
public sealed class WsgcnPartialLabelStep(ReliableRegionOptions? options = null) : CrfRecipeStep
{
    /// <summary>The rule's parameters.</summary>
    public ReliableRegionOptions Options { get; } = options ?? ReliableRegionOptions.Wsgcn;

    /// <inheritdoc/>
    public override string Name => "wsgcn-partial+crf";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        var image = state.Image;
        var cams = (state.Input.StrideCams ?? throw new WsssInputException(state.Input.File,
            "WSGCN's partial labels need IRN's stride-4 'cam' maps (an IRN-format dump)")).ForegroundOnly();
        int h4 = (image.Height + 3) / 4, w4 = (image.Width + 3) / 4;
        if (cams.Height != h4 || cams.Width != w4)
            throw new WsssInputException(state.Input.File,
                $"the stride-4 CAMs are {cams.Height}x{cams.Width}, not the {h4}x{w4} of a {image.Height}x{image.Width} image");
        var small = PilResize.Lanczos(Bgr(image), h4, w4);
        var (labels, scores) = ReliableRegionRecipe.Run(backend, small, cams, Options);
        state.Labels = PilResize.Nearest(Vote(labels, scores!), image.Height, image.Width);
        state.Scores = null;
    }

    /// <summary>make_dataset.py:79-83: the label where it equals the scores' argmax (first maximum), else 255.</summary>
    internal static LabelMap Vote(LabelMap labels, ClassMaps scores)
    {
        var argmax = CrfUnary.Argmax(scores).Labels;
        var output = new byte[labels.PixelCount];
        for (int i = 0; i < output.Length; i++)
        {
            byte id = (byte)scores.LabelIds[argmax[i]];
            output[i] = labels.Labels[i] == id ? id : LabelMap.Ignore;
        }
        return new LabelMap(labels.Height, labels.Width, output);
    }

    /// <summary>The image with red and blue swapped: WSGCN reads it with cv2.imread and never converts it.</summary>
    internal static RgbImage Bgr(RgbImage image)
    {
        var p = (byte[])image.Pixels.Clone();
        for (int i = 0; i < p.Length; i += 3) (p[i], p[i + 2]) = (p[i + 2], p[i]);
        return new RgbImage(image.Height, image.Width, p);
    }
}
