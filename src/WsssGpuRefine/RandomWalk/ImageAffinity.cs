using WsssGpuRefine.Core;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// Widths of the training-free colour affinity. The defaults are chosen for the walk, not for
/// the affinity alone: T raises a to β (10 for IRN), so the effective colour width is
/// σ_rgb/√β. σ_rgb = 40 gives ≈ 13 grey levels at β = 10, the colour width densecrf's bilateral
/// term uses in the IRN/PSA CRF presets, so two stride-4 cells of one object (area averaging
/// already removes most texture) keep a^β near 1 while a real colour edge (≥ 40 levels) cuts it
/// below e^-5. σ_xy = radius (grid cells) makes the spatial factor a soft preference for near
/// neighbours (a^β at distance r−1 ≈ exp(−β·0.32) at r = 5) rather than a second hard cut-off,
/// since the radius already bounds the stencil and the step count sets the reach.
/// </summary>
public sealed record ImageAffinityOptions
{
    /// <summary>Colour width on the 0..255 scale of the stride-averaged image.</summary>
    public float SigmaRgb
    {
        get;
        init => field = value > 0 && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(SigmaRgb), value, "must be positive and finite");
    } = 40f;

    /// <summary>Spatial width in grid cells; null means the stencil radius.</summary>
    public float? SigmaXy
    {
        get;
        init => field = value is null || (value > 0 && float.IsFinite(value.Value)) ? value : throw new ArgumentOutOfRangeException(nameof(SigmaXy), value, "must be positive and finite");
    }
}

/// <summary>
/// A training-free affinity from the RGB image alone, for methods that ship no boundary map or
/// affinity features: the image is area-averaged to the CAM grid (each cell the mean of the
/// stride×stride pixels inside the image) and
/// a_ij = exp(−|I_i − I_j|² / (2σ_rgb²) − |p_i − p_j|² / (2σ_xy²)), with p in grid cells.
/// Every pair with both ends on the grid is kept.
/// </summary>
public sealed class ImageAffinity : StencilAffinity
{
    private ImageAffinity(int height, int width, int radius, float[] weights)
        : base(height, width, radius, weights) { }

    /// <summary>Builds the affinity on the grid (ceil(H/stride), ceil(W/stride)).</summary>
    public static ImageAffinity FromImage(RgbImage image, int stride, int radius = 5, ImageAffinityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "must be positive");
        if (image.Height == 0 || image.Width == 0) throw new WsssInputException(null, "image is empty");
        int h = (image.Height + stride - 1) / stride, w = (image.Width + stride - 1) / stride;
        var planar = new float[3 * image.Height * image.Width];
        int hw = image.Height * image.Width;
        for (int p = 0; p < hw; p++)
            for (int c = 0; c < 3; c++)
                planar[c * hw + p] = image.Pixels[3 * p + c];
        var grid = RandomWalkResampling.AreaPool(planar, 3, image.Height, image.Width, stride, zeroPadded: false);
        return FromGrid(grid, h, w, radius, options);
    }

    /// <summary>Builds the affinity from an RGB image already on the grid: planar (3, h, w), 0..255.</summary>
    public static ImageAffinity FromGrid(float[] rgbPlanar, int height, int width, int radius = 5, ImageAffinityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rgbPlanar);
        if (height <= 0 || width <= 0 || 3L * height * width != rgbPlanar.Length)
            throw new WsssInputException(null, $"image grid holds {rgbPlanar.Length} values, not 3x{height}x{width}");
        options ??= new ImageAffinityOptions();
        var directions = RandomWalkDirections.For(radius);
        float sigmaXy = options.SigmaXy ?? radius;
        float colourScale = 1f / (2f * options.SigmaRgb * options.SigmaRgb);
        float spatialScale = 1f / (2f * sigmaXy * sigmaXy);
        int n = height * width;
        var weights = new float[directions.Count * n];
        Parallel.For(0, directions.Count, ParallelWork.Options, d =>
        {
            var dir = directions[d];
            var plane = weights.AsSpan(d * n, n);
            float spatial = (dir.Dy * dir.Dy + dir.Dx * dir.Dx) * spatialScale;
            int shift = dir.Dy * width + dir.Dx;
            int x0 = Math.Max(0, -dir.Dx), x1 = Math.Min(width, width - dir.Dx);
            for (int y = 0; y < height - dir.Dy; y++)
                for (int x = x0; x < x1; x++)
                {
                    int p = y * width + x;
                    float dist = 0f;
                    for (int c = 0; c < 3; c++)
                    {
                        float diff = rgbPlanar[c * n + p + shift] - rgbPlanar[c * n + p];
                        dist += diff * diff;
                    }
                    plane[p] = MathF.Exp(-dist * colourScale - spatial);
                }
        });
        return new ImageAffinity(height, width, radius, weights);
    }
}
