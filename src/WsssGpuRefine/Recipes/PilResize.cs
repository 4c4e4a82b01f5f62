using WsssGpuRefine.Core;

namespace WsssGpuRefine.Recipes;

/// <summary>
/// Resizes the seed methods do with PIL and torch, bit for bit: Pillow's <c>Image.resize(size, Image.LANCZOS)</c> on an
/// 8-bit RGB image (python-pillow/Pillow src/libImaging/Resample.c: <c>precompute_coeffs</c>, coefficients turned into
/// 22-bit fixed point by <c>normalize_coeffs_8bpc</c>, a horizontal pass into an 8-bit image, then a vertical pass), and
/// torch's <c>F.interpolate(mode="nearest")</c> of a label map (aten/src/ATen/native/UpSample.h
/// <c>nearest_neighbor_compute_source_index</c>: ⌊dst · (in / out)⌋ in float32, clamped).
/// </summary>
internal static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const double LanczosSupport = 3.0;

    /// <summary>PIL's LANCZOS resize of an 8-bit RGB image to <paramref name="height"/> × <paramref name="width"/>.</summary>
    public static RgbImage Lanczos(RgbImage image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), "sizes must be positive");
        var (xBounds, xCoeffs, xSize) = Coefficients(image.Width, width);
        var (yBounds, yCoeffs, ySize) = Coefficients(image.Height, height);
        byte[] pixels = image.Pixels;
        int inH = image.Height, inW = image.Width;
        // Resample.c ImagingResampleInner: only the rows the vertical pass reads go through the horizontal pass.
        int yFirst = yBounds[0], yLast = yBounds[2 * height - 2] + yBounds[2 * height - 1];
        bool horizontal = width != inW, vertical = height != inH;
        byte[] temp = pixels;
        int tempRows = inH, rowOffset = 0;
        if (horizontal)
        {
            tempRows = yLast - yFirst;
            rowOffset = yFirst;
            temp = new byte[tempRows * width * 3];
            for (int y = 0; y < tempRows; y++)
            for (int x = 0; x < width; x++)
            {
                int xmin = xBounds[2 * x], xmax = xBounds[2 * x + 1];
                for (int ch = 0; ch < 3; ch++)
                {
                    int ss = 1 << (PrecisionBits - 1);
                    for (int k = 0; k < xmax; k++)
                        ss += pixels[((y + yFirst) * inW + xmin + k) * 3 + ch] * xCoeffs[x * xSize + k];
                    temp[(y * width + x) * 3 + ch] = Clip8(ss);
                }
            }
        }
        else
        {
            width = inW;
        }
        if (!vertical) return new RgbImage(tempRows, width, horizontal ? temp : (byte[])pixels.Clone());
        var output = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
        {
            int ymin = yBounds[2 * y] - rowOffset, ymax = yBounds[2 * y + 1];
            for (int x = 0; x < width; x++)
            for (int ch = 0; ch < 3; ch++)
            {
                int ss = 1 << (PrecisionBits - 1);
                for (int k = 0; k < ymax; k++)
                    ss += temp[((ymin + k) * width + x) * 3 + ch] * yCoeffs[y * ySize + k];
                output[(y * width + x) * 3 + ch] = Clip8(ss);
            }
        }
        return new RgbImage(height, width, output);
    }

    private static byte Clip8(int v)
    {
        int shifted = v >> PrecisionBits;
        return (byte)Math.Clamp(shifted, 0, 255);
    }

    /// <summary>Resample.c precompute_coeffs + normalize_coeffs_8bpc for the box [0, inSize).</summary>
    private static (int[] Bounds, int[] Coeffs, int KernelSize) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0);
        double support = LanczosSupport * filterScale;
        int kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var coeffs = new int[outSize * kernelSize];
        var k = new double[kernelSize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale, ww = 0, ss = 1.0 / filterScale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            for (int x = 0; x < xmax; x++)
            {
                double w = Lanczos((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++)
            {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                coeffs[xx * kernelSize + x] = v < 0
                    ? (int)(-0.5 + v * (1 << PrecisionBits))
                    : (int)(0.5 + v * (1 << PrecisionBits));
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return (bounds, coeffs, kernelSize);
    }

    private static double Lanczos(double x) => x is >= -3.0 and < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    /// <summary>torch <c>F.interpolate(label[None, None], size=(height, width), mode="nearest")</c> of a label map.</summary>
    public static LabelMap Nearest(LabelMap labels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var rows = NearestIndices(labels.Height, height);
        var cols = NearestIndices(labels.Width, width);
        var output = new byte[height * width];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            output[y * width + x] = labels.Labels[rows[y] * labels.Width + cols[x]];
        return new LabelMap(height, width, output);
    }

    private static int[] NearestIndices(int inSize, int outSize)
    {
        var index = new int[outSize];
        float scale = (float)inSize / outSize;
        for (int i = 0; i < outSize; i++)
            index[i] = outSize == inSize ? i
                     : outSize == 2 * inSize ? i >> 1
                     : Math.Min((int)MathF.Floor(i * scale), inSize - 1);
        return index;
    }
}
