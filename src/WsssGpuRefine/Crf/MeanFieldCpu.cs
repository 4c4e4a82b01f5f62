using System.Buffers;
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
        if ((long)px * stride > Array.MaxLength)
            throw new Core.WsssInputException(null, $"a {unary.Width}x{unary.Height} image with {n} labels is too large for one CRF");
        // Working buffers come from the shared pool: tens of MB per CRF that would otherwise be
        // fresh, page-faulting large-object allocations for every image.
        var pool = ArrayPool<float>.Shared;
        var rentals = new List<float[]>(16);
        float[] Rent(int length, bool clear)
        {
            var a = pool.Rent(length);
            rentals.Add(a);
            if (clear) Array.Clear(a, 0, length);
            return a;
        }
        try
        {
            // Padding lanes hold −∞ so that they never win the max and exp() makes them exactly 0:
            // no masking is needed anywhere, and a zero pad carries nothing through the lattice.
            var negU = Rent(px * stride, clear: false);
            var energies = unary.Energies;
            PermutohedralLattice.RunChunks(px, parallel, (lo, hi) =>
            {
                for (int i = lo; i < hi; i++)
                {
                    int o = i * stride;
                    for (int l = 0; l < n; l++) negU[o + l] = -energies[l * px + i];
                    for (int l = n; l < stride; l++) negU[o + l] = float.NegativeInfinity;
                }
            });

            int kernelCount = kernels.Count;
            if (kernelCount > 2) throw new ArgumentException("at most two kernels", nameof(kernels));
            long largestPartial = kernels.Count == 0 ? 0 : kernels.Max(k => k.Kernel.Lattice.VertexCount + 1L) * stride * sizeof(float);
            int chunks = PermutohedralLattice.PixelChunkCount(px, parallel, largestPartial);
            var partials = new float[kernelCount][][];
            var values = new float[kernelCount][];
            var scratch = new float[kernelCount][];
            var blurred = new float[kernelCount][];
            for (int k = 0; k < kernelCount; k++)
            {
                int rows = kernels[k].Kernel.Lattice.VertexCount + 1;
                // Row M is the zero "missing neighbour" row of the blur: only the rows below it are written.
                values[k] = Rent(rows * stride, clear: true);
                scratch[k] = Rent(rows * stride, clear: true);
                partials[k] = new float[chunks][];
                for (int t = 0; t < chunks; t++) partials[k][t] = Rent(rows * stride, clear: true);
            }

            // One pixel pass per iteration: slice the blurred messages, add them to −U, softmax, and
            // splat the new Q straight into the next iteration's partial vertex buffers, so Q streams
            // through once. Pass 0 is the initial Q⁰ = softmax(−U).
            var q = Rent(px * stride, clear: false);
            for (int pass = 0; pass <= iterations; pass++)
            {
                bool slice = pass > 0, splat = pass < iterations;
                if (slice)
                {
                    for (int k = 0; k < kernelCount; k++)
                    {
                        var lattice = kernels[k].Kernel.Lattice;
                        lattice.ReducePartials(partials[k], values[k], stride, parallel);
                        blurred[k] = lattice.Blur(values[k], scratch[k], stride, parallel);
                    }
                }
                var b0 = slice && kernelCount > 0 ? blurred[0] : Dummy;
                var b1 = slice && kernelCount > 1 ? blurred[1] : Dummy;
                Parallel.For(0, chunks, parallel, c =>
                {
                    var (start, end) = PermutohedralLattice.PixelChunk(px, chunks, c);
                    var k0 = kernelCount > 0 ? kernels[0].Kernel : null;
                    var k1 = kernelCount > 1 ? kernels[1].Kernel : null;
                    var p0 = k0 is null ? Dummy : partials[0][c];
                    var p1 = k1 is null ? Dummy : partials[1][c];
                    float compat0 = kernelCount > 0 ? kernels[0].Compat : 0, compat1 = kernelCount > 1 ? kernels[1].Compat : 0;
                    fixed (float* qp = q, up = negU, bp0 = b0, bp1 = b1, pp0 = p0, pp1 = p1)
                    fixed (float* sl0 = k0?.SliceWeights ?? Dummy, sl1 = k1?.SliceWeights ?? Dummy)
                    fixed (float* sp0 = k0?.SplatWeights ?? Dummy, sp1 = k1?.SplatWeights ?? Dummy)
                    fixed (int* of0 = k0?.Lattice.Offsets ?? DummyOffsets, of1 = k1?.Lattice.Offsets ?? DummyOffsets)
                    {
                        if (stride == 4)
                        {
                            // Up to 4 labels (ir_label, la/ha and most CRFs of bg + present classes): each
                            // pixel's row is one vector, kept in a register from the slice to the splat.
                            var side0 = new Side(k0 is null ? 0 : k0.Lattice.Dimension + 1, of0, bp0, sl0, sp0, pp0, compat0);
                            var side1 = new Side(k1 is null ? 0 : k1.Lattice.Dimension + 1, of1, bp1, sl1, sp1, pp1, compat1);
                            PixelPass4(qp, up, start, end, slice, splat, side0, side1);
                            return;
                        }
                        for (int i = start; i < end; i++)
                        {
                            float* row = qp + (long)i * stride;
                            CopyRow(row, up + (long)i * stride, stride);
                            if (slice)
                            {
                                if (k0 is not null) Gather(row, bp0, k0.Lattice, sl0, compat0, i, stride);
                                if (k1 is not null) Gather(row, bp1, k1.Lattice, sl1, compat1, i, stride);
                            }
                            SoftmaxRow(row, n, stride);
                            if (splat)
                            {
                                k0?.Lattice.ScatterPixel(pp0, row, sp0, i, stride);
                                k1?.Lattice.ScatterPixel(pp1, row, sp1, i, stride);
                            }
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
        finally
        {
            foreach (var a in rentals) pool.Return(a);
        }
    }

    private static readonly float[] Dummy = new float[4];
    private static readonly int[] DummyOffsets = new int[1];

    /// <summary>One kernel's arrays for a pixel pass (pointers into pinned buffers); D1 = 0 leaves the kernel out.</summary>
    private readonly unsafe struct Side(int d1, int* offsets, float* blurred, float* sliceWeights, float* splatWeights, float* partial, float compat)
    {
        public readonly int D1 = d1;
        public readonly int* Offsets = offsets;
        public readonly float* Blurred = blurred;
        public readonly float* SliceWeights = sliceWeights;
        public readonly float* SplatWeights = splatWeights;
        public readonly float* Partial = partial;
        public readonly float Compat = compat;
    }

    /// <summary>
    /// The pixel pass for stride 4 with the same operations in the same order as the general path
    /// (row = −U; row += (compat·w)·blurred corner by corner, kernel 0 then 1; the Vector128 softmax;
    /// partial += w·Q): bit-identical results, without the per-row loops and array bounds checks.
    /// </summary>
    private static unsafe void PixelPass4(float* q, float* negU, int start, int end, bool slice, bool splat, Side k0, Side k1)
    {
        int d10 = k0.D1, d11 = k1.D1;
        for (int i = start; i < end; i++)
        {
            var row = Vector128.Load(negU + (long)i * 4);
            int c0 = i * d10, c1 = i * d11;
            if (slice)
            {
                for (int r = 0; r < d10; r++)
                    row += Vector128.Create(k0.Compat * k0.SliceWeights[c0 + r]) * Vector128.Load(k0.Blurred + (long)k0.Offsets[c0 + r] * 4);
                for (int r = 0; r < d11; r++)
                    row += Vector128.Create(k1.Compat * k1.SliceWeights[c1 + r]) * Vector128.Load(k1.Blurred + (long)k1.Offsets[c1 + r] * 4);
            }
            var m4 = Vector128.Create(HorizontalMax(row));
            var e = FastExp.Exp(row - m4);
            var qRow = e / Vector128.Create(Vector128.Sum(e));
            Vector128.Store(qRow, q + (long)i * 4);
            if (splat)
            {
                for (int r = 0; r < d10; r++)
                {
                    float* dst = k0.Partial + (long)k0.Offsets[c0 + r] * 4;
                    Vector128.Store(Vector128.Load(dst) + Vector128.Create(k0.SplatWeights[c0 + r]) * qRow, dst);
                }
                for (int r = 0; r < d11; r++)
                {
                    float* dst = k1.Partial + (long)k1.Offsets[c1 + r] * 4;
                    Vector128.Store(Vector128.Load(dst) + Vector128.Create(k1.SplatWeights[c1 + r]) * qRow, dst);
                }
            }
        }
    }

    /// <summary>Slice of one kernel for pixel i, scaled by its compat, added to the logits row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Gather(float* row, float* blurred, PermutohedralLattice lattice, float* sliceWeights, float compat, int i, int stride)
    {
        int d1 = lattice.Dimension + 1;
        var offsets = lattice.Offsets;
        int c0 = i * d1;
        for (int r = 0; r < d1; r++)
            PermutohedralLattice.AddScaledRow(row, blurred + (long)offsets[c0 + r] * stride, compat * sliceWeights[c0 + r], stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRow(float* dst, float* src, int stride)
    {
        for (int k = 0; k < stride; k += 4) Vector128.Store(Vector128.Load(src + k), dst + k);
    }

    /// <summary>
    /// pydensecrf's expAndNormalize on one pixel: subtract the max, exponentiate, divide by the sum.
    /// Padding lanes come in as −∞ and leave as 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void SoftmaxRow(float* row, int n, int stride)
    {
        if (Vector256.IsHardwareAccelerated && (stride & 7) == 0)
        {
            var max8 = Vector256.Load(row);
            for (int k = 8; k < stride; k += 8) max8 = Vector256.Max(max8, Vector256.Load(row + k));
            var m8 = Vector256.Create(HorizontalMax(Vector128.Max(max8.GetLower(), max8.GetUpper())));
            var sum8 = Vector256<float>.Zero;
            for (int k = 0; k < stride; k += 8)
            {
                var e = FastExp.Exp(Vector256.Load(row + k) - m8);
                Vector256.Store(e, row + k);
                sum8 += e;
            }
            var s8 = Vector256.Create(Vector256.Sum(sum8));
            for (int k = 0; k < stride; k += 8) Vector256.Store(Vector256.Load(row + k) / s8, row + k);
        }
        else
        {
            var max4 = Vector128.Load(row);
            for (int k = 4; k < stride; k += 4) max4 = Vector128.Max(max4, Vector128.Load(row + k));
            var m4 = Vector128.Create(HorizontalMax(max4));
            var sum4 = Vector128<float>.Zero;
            for (int k = 0; k < stride; k += 4)
            {
                var e = FastExp.Exp(Vector128.Load(row + k) - m4);
                Vector128.Store(e, row + k);
                sum4 += e;
            }
            var s4 = Vector128.Create(Vector128.Sum(sum4));
            for (int k = 0; k < stride; k += 4) Vector128.Store(Vector128.Load(row + k) / s4, row + k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HorizontalMax(Vector128<float> v) =>
        Math.Max(Math.Max(v.GetElement(0), v.GetElement(1)), Math.Max(v.GetElement(2), v.GetElement(3)));
}
