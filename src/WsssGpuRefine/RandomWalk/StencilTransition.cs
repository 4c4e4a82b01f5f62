using WsssGpuRefine.Core;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// T = colnorm(A^β) in stencil form, laid out for the step kernels (CPU and GPU share it).
/// Because A is symmetric, rw[j] = Σ_i x[i]·A^β_ij / colsum_j = invColSum[j]·(x[j] + Σ_d
/// A^β_d[j]·x[j + d] + Σ_d A^β_d[j − d]·x[j − d]): 34 β-planes and one scale plane replace the
/// 69 per-target weights, halving the bytes each step streams. Every plane is padded by a halo of
/// r − 1 zero cells on all sides (and the rows to a multiple of the vector width), so a step reads
/// shifted rows without bounds checks; zeros in the halo drop the pairs that leave the grid.
/// </summary>
internal sealed class StencilTransition
{
    private StencilTransition(int height, int width, int halo, int rowStride, int paddedHeight,
        int[] offsets, RandomWalkDirection[] directions, float[] betaPlanes, double[] inverseColumnSumExact)
    {
        Height = height;
        Width = width;
        Halo = halo;
        RowStride = rowStride;
        PaddedHeight = paddedHeight;
        Offsets = offsets;
        Directions = directions;
        BetaPlanes = betaPlanes;
        InverseColumnSumExact = inverseColumnSumExact;
        InverseColumnSum = Array.ConvertAll(inverseColumnSumExact, v => (float)v);
    }

    public int Height { get; }
    public int Width { get; }
    public int Halo { get; }
    /// <summary>Floats per padded row: 2·halo + width rounded up to the vector width.</summary>
    public int RowStride { get; }
    public int PaddedHeight { get; }
    public int PlaneSize => RowStride * PaddedHeight;
    /// <summary>Index shift dy·RowStride + dx of each direction.</summary>
    public int[] Offsets { get; }
    public RandomWalkDirection[] Directions { get; }
    /// <summary>(D, PaddedHeight, RowStride): a^β of the pair (p, p + d) at p.</summary>
    public float[] BetaPlanes { get; }
    /// <summary>(PaddedHeight, RowStride): 1 / Σ_i A^β_ij, zero outside the grid.</summary>
    public float[] InverseColumnSum { get; }
    /// <summary>The same in double, for the double-accumulation path.</summary>
    public double[] InverseColumnSumExact { get; }

    public int IndexOf(int y, int x) => (y + Halo) * RowStride + Halo + x;

    public static StencilTransition Build(StencilAffinity affinity, float beta, int vectorWidth)
    {
        int h = affinity.Height, w = affinity.Width, halo = affinity.Radius - 1;
        int rowWidth = (w + vectorWidth - 1) / vectorWidth * vectorWidth;
        int stride = rowWidth + 2 * halo;
        int paddedHeight = h + 2 * halo;
        int planeSize = stride * paddedHeight;
        var directions = affinity.Directions.ToArray();
        int count = directions.Length;
        var offsets = directions.Select(d => d.Dy * stride + d.Dx).ToArray();
        var planes = new float[count * planeSize];
        int n = h * w;
        Parallel.For(0, count, ParallelWork.Options, d =>
        {
            var src = affinity.Weights.AsSpan(d * n, n);
            var dst = planes.AsSpan(d * planeSize, planeSize);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float a = src[y * w + x];
                    float weight = a == 0f ? 0f : MathF.Pow(a, beta);
                    // A weight that underflows below the smallest normal float (a^β < 2^-126, e.g. an image
                    // affinity's far, differently coloured pair) is dropped: each of its products is below 2^-126
                    // itself, and on x86 every multiply meeting a subnormal takes a microcode assist (the image walk
                    // ran 1.35x slower for 0.2 % of such weights). GPUs that flush subnormals drop it the same way.
                    dst[(y + halo) * stride + halo + x] = float.IsSubnormal(weight) ? 0f : weight;
                }
        });

        var inverse = new double[planeSize];
        Parallel.For(0, h, ParallelWork.Options, y =>
        {
            for (int x = 0; x < w; x++)
            {
                int j = (y + halo) * stride + halo + x;
                double sum = 1.0; // the diagonal, A_jj = 1
                for (int d = 0; d < count; d++)
                    sum += (double)planes[d * planeSize + j] + planes[d * planeSize + j - offsets[d]];
                inverse[j] = 1.0 / sum;
            }
        });
        return new StencilTransition(h, w, halo, stride, paddedHeight, offsets, directions, planes, inverse);
    }

    /// <summary>Copies (C, h, w) into a zeroed padded buffer (C, PaddedHeight, RowStride).</summary>
    public void Pad(ReadOnlySpan<float> values, int channels, Span<float> padded)
    {
        padded.Clear();
        int n = Height * Width;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < Height; y++)
                values.Slice(c * n + y * Width, Width).CopyTo(padded.Slice(c * PlaneSize + IndexOf(y, 0), Width));
    }

    /// <summary>Inverse of <see cref="Pad"/>.</summary>
    public void Unpad(ReadOnlySpan<float> padded, int channels, Span<float> values)
    {
        int n = Height * Width;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < Height; y++)
                padded.Slice(c * PlaneSize + IndexOf(y, 0), Width).CopyTo(values.Slice(c * n + y * Width, Width));
    }
}
