using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Crf;

/// <summary>
/// A CRF over random-walk (or any) score maps, labels mapped to VOC ids: Puzzle-CAM pads `rw` with a
/// constant background (0.25; README 0.35) and runs the `irn` label CRF (t = 10; README 1); other
/// recipes pass a stack that already holds its background channel.
/// </summary>
public static class CrfAfterRandomWalk
{
    /// <param name="backend">CPU or Vulkan backend.</param>
    /// <param name="image">The RGB image the scores belong to (same size).</param>
    /// <param name="scores">Full-resolution scores; VOC id per channel.</param>
    /// <param name="backgroundThreshold">
    /// Constant background channel to put first when <paramref name="scores"/> has none; must be null
    /// when it has one.
    /// </param>
    /// <param name="parameters">CRF preset or explicit parameters (labels unary: from the channel argmax).</param>
    /// <returns>VOC ids; 255 where the parameters' unsure threshold applies.</returns>
    public static LabelMap Run(ComputeBackend backend, RgbImage image, ClassMaps scores, CrfParameters parameters,
        float? backgroundThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(parameters);
        DenseCrf.CheckSameSize(image, scores.Height, scores.Width);
        var stack = scores;
        if (scores.HasBackgroundChannel)
        {
            if (backgroundThreshold is not null)
                throw new ArgumentException("the scores already hold a background channel; give no background threshold", nameof(backgroundThreshold));
        }
        else
        {
            if (backgroundThreshold is not { } t || !float.IsFinite(t))
                throw new ArgumentException("the scores hold no background channel: give a background threshold", nameof(backgroundThreshold));
            int px = scores.PixelCount;
            var data = new float[(scores.Channels + 1) * px];
            Array.Fill(data, t, 0, px);
            Array.Copy(scores.Data, 0, data, px, scores.Data.Length);
            stack = new ClassMaps([0, .. scores.LabelIds], scores.Height, scores.Width, data);
        }
        var result = DenseCrf.Refine(backend, image, stack, parameters);
        return result.ToLabelMap(stack.LabelIds);
    }
}
