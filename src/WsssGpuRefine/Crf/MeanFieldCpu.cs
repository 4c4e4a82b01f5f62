using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace WsssGpuRefine.Crf;

/// <summary>
/// Mean-field inference on the CPU. Signals are held pixel-major with each pixel's labels padded to a
/// multiple of 4 floats so that splat, blur and slice move whole SIMD rows.
/// </summary>
/// <remarks>
/// Sign: pydensecrf's PottsCompatibility::apply returns −w·(K̃Q) and DenseCRF::inference subtracts
/// every pairwise term from −U, so the logits are −U + Σ_k w_k·K̃_k Q: a positive compat rewards
/// labels that the (similar, nearby) neighbours hold. The slice, the message accumulation and the
/// softmax are fused into one pass over the pixels.
/// </remarks>
internal static class MeanFieldCpu
{
    public static unsafe CrfResult Run(CrfUnary unary, IReadOnlyList<(CrfKernel Kernel, float Compat)> kernels,
        int iterations, float? unsureBelow, ParallelOptions parallel)
    {
        int n = unary.LabelCount, px = unary.PixelCount;
        int stride = (n + 3) & ~3;
        var negU = new float[px * stride];
        var energies = unary.Energies;
        for (int l = 0; l < n; l++)
        {
            int o = l * px;
            for (int i = 0; i < px; i++) negU[i * stride + l] = -energies[o + i];
        }

        var q = new float[px * stride];
        PermutohedralLattice.RunChunks(px, parallel, (lo, hi) =>
        {
            fixed (float* qp = q, up = negU)
            {
                for (int i = lo; i < hi; i++)
                {
                    float* row = qp + (long)i * stride;
                    CopyRow(row, up + (long)i * stride, stride);
                    SoftmaxRow(row, n, stride);
                }
            }
        });

        int kernelCount = kernels.Count;
        var values = new float[kernelCount][];
        var scratch = new float[kernelCount][];
        var blurred = new float[kernelCount][];
        if (kernelCount > 2) throw new ArgumentException("at most two kernels", nameof(kernels));
        for (int k = 0; k < kernelCount; k++)
        {
            int rows = kernels[k].Kernel.Lattice.VertexCount + 1;
            values[k] = new float[rows * stride];
            scratch[k] = new float[rows * stride];
        }

        for (int it = 0; it < iterations; it++)
        {
            for (int k = 0; k < kernelCount; k++)
            {
                var lattice = kernels[k].Kernel.Lattice;
                lattice.Splat(q, kernels[k].Kernel.SplatWeights, values[k], stride, parallel);
                blurred[k] = lattice.Blur(values[k], scratch[k], stride, parallel);
            }
            var b0 = kernelCount > 0 ? blurred[0] : Dummy;
            var b1 = kernelCount > 1 ? blurred[1] : Dummy;
            PermutohedralLattice.RunChunks(px, parallel, (lo, hi) =>
            {
                fixed (float* qp = q, up = negU, bp0 = b0, bp1 = b1)
                {
                    for (int i = lo; i < hi; i++)
                    {
                        float* row = qp + (long)i * stride;
                        CopyRow(row, up + (long)i * stride, stride);
                        if (kernelCount > 0) Gather(row, bp0, kernels[0].Kernel, kernels[0].Compat, i, stride);
                        if (kernelCount > 1) Gather(row, bp1, kernels[1].Kernel, kernels[1].Compat, i, stride);
                        SoftmaxRow(row, n, stride);
                    }
                }
            });
        }

        var marginals = new float[n * px];
        var labels = new byte[px];
        float unsure = unsureBelow ?? float.NegativeInfinity;
        PermutohedralLattice.RunChunks(px, parallel, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++)
            {
                int o = i * stride;
                int best = 0;
                float bestValue = q[o];
                marginals[i] = q[o];
                for (int l = 1; l < n; l++)
                {
                    float v = q[o + l];
                    marginals[l * px + i] = v;
                    if (v > bestValue) { bestValue = v; best = l; }
                }
                labels[i] = bestValue < unsure ? (byte)255 : (byte)best;
            }
        });
        return new CrfResult(n, unary.Height, unary.Width, marginals, labels);
    }

    private static readonly float[] Dummy = new float[4];

    /// <summary>Slice of one kernel for pixel i, scaled by its compat, added to the logits row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Gather(float* row, float* blurred, CrfKernel kernel, float compat, int i, int stride)
    {
        int d1 = kernel.Lattice.Dimension + 1;
        var offsets = kernel.Lattice.Offsets;
        var slice = kernel.SliceWeights;
        int c0 = i * d1;
        for (int r = 0; r < d1; r++)
            PermutohedralLattice.AddScaledRow(row, blurred + (long)offsets[c0 + r] * stride, compat * slice[c0 + r], stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRow(float* dst, float* src, int stride)
    {
        for (int k = 0; k < stride; k += 4) Vector128.Store(Vector128.Load(src + k), dst + k);
    }

    /// <summary>
    /// pydensecrf's expAndNormalize on one pixel: subtract the max, exponentiate, divide by the sum.
    /// Padding lanes (n..stride) end up 0 so that they carry nothing through the lattice.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void SoftmaxRow(float* row, int n, int stride)
    {
        float max = row[0];
        for (int l = 1; l < n; l++) max = Math.Max(max, row[l]);
        var max4 = Vector128.Create(max);
        for (int k = 0; k < stride; k += 4)
            Vector128.Store(Vector128.Exp(Vector128.Load(row + k) - max4), row + k);
        for (int l = n; l < stride; l++) row[l] = 0;
        float sum = 0;
        for (int l = 0; l < n; l++) sum += row[l];
        var sum4 = Vector128.Create(sum);
        for (int k = 0; k < stride; k += 4)
            Vector128.Store(Vector128.Load(row + k) / sum4, row + k);
    }
}
