using WsssGpuRefine.Core;

namespace WsssGpuRefine.RandomWalk;

/// <summary>The grid changes around the walk: area pooling down to the stride and torch's bilinear up.</summary>
internal static class RandomWalkResampling
{
    /// <summary>
    /// Averages stride×stride blocks of (C, H, W) into (C, ceil(H/s), ceil(W/s)). With
    /// <paramref name="zeroPadded"/> the map is first zero-padded to a multiple of the stride and
    /// every block divides by s² (PSA's pad + avg_pool2d); otherwise edge blocks average only the
    /// pixels inside the image.
    /// </summary>
    public static float[] AreaPool(float[] src, int channels, int height, int width, int stride, bool zeroPadded)
    {
        int h = (height + stride - 1) / stride, w = (width + stride - 1) / stride;
        var dst = new float[channels * h * w];
        for (int c = 0; c < channels; c++)
            for (int gy = 0; gy < h; gy++)
                for (int gx = 0; gx < w; gx++)
                {
                    int yEnd = Math.Min(height, (gy + 1) * stride), xEnd = Math.Min(width, (gx + 1) * stride);
                    float sum = 0f;
                    for (int y = gy * stride; y < yEnd; y++)
                        for (int x = gx * stride; x < xEnd; x++)
                            sum += src[(c * height + y) * width + x];
                    int count = zeroPadded ? stride * stride : (yEnd - gy * stride) * (xEnd - gx * stride);
                    dst[(c * h + gy) * w + gx] = sum / count;
                }
        return dst;
    }

    /// <summary>
    /// Bilinear resize of (C, h, w) to the (outH, outW) output grid, keeping only [0, cropH) × [0, cropW),
    /// with torch's coordinate rules: align_corners = False maps dst to (dst + 0.5)·in/out − 0.5
    /// clamped at 0, True maps it to dst·(in − 1)/(out − 1); the upper neighbour is clamped to the
    /// last row/column.
    /// </summary>
    public static float[] Bilinear(float[] src, int channels, int h, int w, int outH, int outW,
        int cropH, int cropW, bool alignCorners)
    {
        var (y0, y1, wy) = Taps(h, outH, cropH, alignCorners);
        var (x0, x1, wx) = Taps(w, outW, cropW, alignCorners);
        var dst = new float[channels * cropH * cropW];
        Parallel.For(0, channels * cropH, ParallelWork.Options, row =>
        {
            int c = row / cropH, y = row % cropH;
            var a = src.AsSpan((c * h + y0[y]) * w, w);
            var b = src.AsSpan((c * h + y1[y]) * w, w);
            float ly = wy[y], hy = 1f - ly;
            var o = dst.AsSpan(row * cropW, cropW);
            for (int x = 0; x < cropW; x++)
            {
                float lx = wx[x], hx = 1f - lx;
                o[x] = hy * (hx * a[x0[x]] + lx * a[x1[x]]) + ly * (hx * b[x0[x]] + lx * b[x1[x]]);
            }
        });
        return dst;
    }

    private static (int[] Lo, int[] Hi, float[] Frac) Taps(int inSize, int outSize, int count, bool alignCorners)
    {
        var lo = new int[count];
        var hi = new int[count];
        var frac = new float[count];
        float scale = alignCorners
            ? (outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f)
            : (float)inSize / outSize;
        for (int d = 0; d < count; d++)
        {
            float s = alignCorners ? d * scale : MathF.Max(0f, (d + 0.5f) * scale - 0.5f);
            int i = Math.Min((int)s, inSize - 1);
            lo[d] = i;
            hi[d] = Math.Min(i + 1, inSize - 1);
            frac[d] = s - i;
        }
        return (lo, hi, frac);
    }
}
