using WsssGpuRefine.Core;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// AffinityNet's affinity from per-pixel features (jiwoon-ahn/psa network/resnet38_aff.py):
/// a_ij = exp(−mean over channels of |f_i − f_j|), with no path. PSA only emits pairs whose source
/// lies in rows [0, h − (r−1)) and columns [r−1, w − (r−1)); border pixels join only through the
/// symmetric copy of a pair sourced elsewhere. <c>restrictSources: false</c> keeps every pair inside.
/// </summary>
public sealed class FeatureAffinity : StencilAffinity
{
    private FeatureAffinity(int height, int width, int radius, float[] weights)
        : base(height, width, radius, weights) { }

    /// <remarks>features: Channel-major (C, h, w) float features.</remarks>
    public static FeatureAffinity FromFeatures(float[] features, int channels, int height, int width,
        int radius = 5, bool restrictSources = true, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (channels <= 0 || height <= 0 || width <= 0 || (long)channels * height * width != features.Length)
            throw new WsssInputException(file, $"features hold {features.Length} values, not {channels}x{height}x{width}");
        for (int i = 0; i < features.Length; i++)
            if (!float.IsFinite(features[i]))
                throw new WsssInputException(file, $"feature value {features[i]} at index {i} is not finite");

        var directions = RandomWalkDirections.For(radius);
        int n = height * width, rf = radius - 1;
        int yEnd = restrictSources ? height - rf : height;
        int xBegin = restrictSources ? rf : 0, xEnd = restrictSources ? width - rf : width;
        var weights = new float[directions.Count * n];
        Parallel.For(0, directions.Count, ParallelWork.Options, d =>
        {
            var dir = directions[d];
            var plane = weights.AsSpan(d * n, n);
            var sum = new float[width];
            int y1 = Math.Min(yEnd, height - dir.Dy);
            int x0 = Math.Max(xBegin, -dir.Dx), x1 = Math.Min(xEnd, width - dir.Dx);
            if (x1 <= x0) return;
            int shift = dir.Dy * width + dir.Dx;
            for (int y = 0; y < y1; y++)
            {
                Array.Clear(sum);
                // Channel-outer keeps each feature plane streaming; float accumulation like torch.mean.
                for (int c = 0; c < channels; c++)
                {
                    var f = features.AsSpan(c * n, n);
                    int row = y * width;
                    for (int x = x0; x < x1; x++)
                        sum[x] += MathF.Abs(f[row + x + shift] - f[row + x]);
                }
                for (int x = x0; x < x1; x++)
                    plane[y * width + x] = MathF.Exp(-(sum[x] / channels));
            }
        });
        return new FeatureAffinity(height, width, radius, weights);
    }
}
