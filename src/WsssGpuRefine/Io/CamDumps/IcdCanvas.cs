using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.CamDumps;

/// <summary>
/// ICD stores (C, m, m) scores on the stride-8 grid of an 8(m-1)+1 square canvas with the image at its
/// top-left. ICD's seed step resizes each map to the canvas with <c>cv2.resize</c> (default INTER_LINEAR:
/// half-pixel centres, border-clamped, not align_corners) and crops [0:H, 0:W]; this does the same,
/// computing only the cropped rows and columns, with cv2's float32 arithmetic order.
/// </summary>
public static class IcdCanvas
{
    /// <summary>The canvas side for a map side m: 8(m-1)+1 (513 for 65, 321 for 41).</summary>
    public static int CanvasSize(int mapSize) => 8 * (mapSize - 1) + 1;

    /// <summary>Resizes (C, m, m) maps to the canvas and crops to (C, height, width).</summary>
    public static float[] ToImage(float[] maps, int channels, int mapHeight, int mapWidth, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (mapHeight != mapWidth || mapHeight < 2)
            throw new WsssInputException(null, $"ICD maps must be square (m, m) with m >= 2, found {mapHeight}x{mapWidth}");
        int canvas = CanvasSize(mapHeight);
        if (height <= 0 || width <= 0)
            throw new WsssInputException(null, "ICD maps need the image size to crop the canvas");
        if (height > canvas || width > canvas)
            throw new WsssInputException(null, $"the image ({height}x{width}) is larger than ICD's {canvas}x{canvas} canvas");
        var (x0, x1, ax) = Coefficients(canvas, mapWidth, width);
        var (y0, y1, ay) = Coefficients(canvas, mapHeight, height);
        var result = new float[(long)channels * height * width];
        Parallel.For(0, channels, ParallelWork.Options, c =>
        {
            var src = maps.AsSpan(c * mapHeight * mapWidth, mapHeight * mapWidth);
            // Horizontal pass over every source row first, as cv2 does, then blend rows.
            var horizontal = new float[mapHeight * width];
            for (int sy = 0; sy < mapHeight; sy++)
            {
                var row = src.Slice(sy * mapWidth, mapWidth);
                for (int x = 0; x < width; x++)
                    horizontal[sy * width + x] = row[x0[x]] * (1f - ax[x]) + row[x1[x]] * ax[x];
            }
            var dst = result.AsSpan(c * height * width, height * width);
            for (int y = 0; y < height; y++)
            {
                float b1 = ay[y], b0 = 1f - b1;
                var r0 = horizontal.AsSpan(y0[y] * width, width);
                var r1 = horizontal.AsSpan(y1[y] * width, width);
                var d = dst.Slice(y * width, width);
                for (int x = 0; x < width; x++) d[x] = r0[x] * b0 + r1[x] * b1;
            }
        });
        return result;
    }

    private static (int[] I0, int[] I1, float[] A) Coefficients(int dstSize, int srcSize, int count)
    {
        var i0 = new int[count];
        var i1 = new int[count];
        var a = new float[count];
        double scale = 1.0 / ((double)dstSize / srcSize);
        for (int d = 0; d < count; d++)
        {
            float f = (float)((d + 0.5) * scale - 0.5);
            int s = (int)MathF.Floor(f);
            f -= s;
            if (s < 0) { s = 0; f = 0; }
            if (s >= srcSize - 1) { s = srcSize - 1; f = 0; }
            i0[d] = s;
            i1[d] = Math.Min(s + 1, srcSize - 1);
            a[d] = f;
        }
        return (i0, i1, a);
    }
}
