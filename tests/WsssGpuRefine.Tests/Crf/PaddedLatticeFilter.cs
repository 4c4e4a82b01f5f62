using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// The lattice filter of a pixel-major (N, stride) signal on the mean field's own row passes (ScatterPixel into
/// per-chunk partials, ReducePartials, Blur, then the slice with the reference's alpha): the padded path the engine
/// filtered its normalisation with before <c>PermutohedralLattice.FilterScalar</c>, kept here as the reference that
/// the one-lane filter must equal bit for bit.
/// </summary>
internal static class PaddedLatticeFilter
{
    public static unsafe float[] Filter(PermutohedralLattice lattice, float[] input, int stride, ParallelOptions parallel)
    {
        int m = lattice.VertexCount, n = lattice.PixelCount, d1 = lattice.Dimension + 1;
        var offsets = lattice.Offsets;
        var bary = lattice.Barycentric;
        int chunks = PermutohedralLattice.PixelChunkCount(n, parallel, (m + 1L) * stride * sizeof(float));
        var partials = new float[chunks][];
        for (int t = 0; t < chunks; t++) partials[t] = new float[(m + 1) * stride];
        Parallel.For(0, chunks, parallel, c =>
        {
            var (start, end) = PermutohedralLattice.PixelChunk(n, chunks, c);
            fixed (float* part = partials[c], inp = input, w = bary)
            {
                for (int i = start; i < end; i++) lattice.ScatterPixel(part, inp + (long)i * stride, w, i, stride);
            }
        });
        var values = new float[(m + 1) * stride];
        lattice.ReducePartials(partials, values, stride, parallel);
        var blurred = lattice.Blur(values, new float[(m + 1) * stride], stride, parallel);
        var output = new float[n * stride];
        float alpha = lattice.SliceAlpha;
        fixed (float* bl = blurred, outp = output)
        {
            for (int i = 0; i < n; i++)
            {
                float* dst = outp + (long)i * stride;
                for (int r = 0; r < d1; r++)
                    PermutohedralLattice.AddScaledRow(dst, bl + (long)offsets[i * d1 + r] * stride, bary[i * d1 + r] * alpha, stride);
            }
        }
        return output;
    }
}
