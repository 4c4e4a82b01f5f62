using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace WsssGpuRefine.Crf;

/// <summary>
/// Mean-field inference on the CPU. Signals are held pixel-major with each pixel's labels padded to a
/// multiple of 4 floats so that splat, blur and slice move whole SIMD rows; CRFs of up to 2 labels take
/// 2 floats (two side by side in one 4-float row, or one alone with 2-float vertex rows).
/// </summary>
/// <remarks>
/// Sign: pydensecrf's PottsCompatibility::apply returns −w·(K̃Q) and DenseCRF::inference subtracts
/// every pairwise term from −U, so the logits are −U + Σ_k w_k·K̃_k Q: a positive compat rewards
/// labels that the (similar, nearby) neighbours hold. The slice, the message accumulation and the
/// softmax are fused into one pass over the pixels.
/// <para>
/// Several CRFs of one image (ir_label's two, la and ha) run as one: their padded label rows sit side
/// by side in one wider row ("segments"), so every lattice index and weight is loaded once for all of
/// them and splat, blur and slice move 8-float rows. Each segment keeps its own softmax, and every
/// float operation on a lane is the one the CRF would get alone: results are bit-identical to running
/// the CRFs one after another.
/// </para>
/// </remarks>
internal static class MeanFieldCpu
{
    /// <summary>The widest joint row: two 4-label CRFs, one 256-bit vector per pixel and vertex.</summary>
    private const int JointStride = 8;

    /// <summary>
    /// Runs every unary (all of one image and kernel set), packing consecutive CRFs into one joint
    /// signal while their padded rows fit <see cref="JointStride"/> floats. <paramref name="vector512"/> false keeps
    /// the pixel passes to 256-bit vectors where 512-bit ones are fast (tests compare both paths on one machine).
    /// </summary>
    public static CrfResult[] RunAll(IReadOnlyList<CrfUnary> unaries, IReadOnlyList<(CrfKernel Kernel, float Compat)> kernels,
        int iterations, float? unsureBelow, ParallelOptions parallel, bool vector512 = true)
    {
        var results = new CrfResult[unaries.Count];
        int next = 0;
        while (next < unaries.Count)
        {
            int first = next, width = Stride(unaries[next].LabelCount);
            next++;
            if (next < unaries.Count && unaries[first].LabelCount <= 2 && unaries[next].LabelCount <= 2)
                next++; // two CRFs of up to 2 labels share one 4-float row (see Run)
            else
                while (next < unaries.Count && Vector256.IsHardwareAccelerated
                       && width + Stride(unaries[next].LabelCount) <= JointStride)
                    width += Stride(unaries[next++].LabelCount);
            var group = new CrfUnary[next - first];
            for (int g = 0; g < group.Length; g++) group[g] = unaries[first + g];
            var groupResults = Run(group, kernels, iterations, unsureBelow, parallel, vector512);
            groupResults.CopyTo(results, first);
        }
        return results;
    }

    private static int Stride(int labels) => (labels + 3) & ~3;

    /// <summary>One joint mean field over <paramref name="unaries"/> (same image), one result per unary.</summary>
    public static unsafe CrfResult[] Run(IReadOnlyList<CrfUnary> unaries, IReadOnlyList<(CrfKernel Kernel, float Compat)> kernels,
        int iterations, float? unsureBelow, ParallelOptions parallel, bool vector512 = true)
    {
        var first = unaries[0];
        int px = first.PixelCount, segmentCount = unaries.Count;
        // Segment s holds unary s's labels at [SegmentStart[s], SegmentStart[s] + n_s), padded to a multiple of 4.
        // Two CRFs of up to 2 labels each (ir_label's or la/ha's pair on an image of one class, the usual VOC image)
        // take 2 floats each, so that both fit one 4-float row: half the vertex rows' bytes of two padded segments.
        bool pairsOfTwo = segmentCount == 2 && unaries[0].LabelCount <= 2 && unaries[1].LabelCount <= 2;
        var segmentStart = new int[segmentCount + 1];
        var segmentLabels = new int[segmentCount];
        for (int s = 0; s < segmentCount; s++)
        {
            segmentLabels[s] = unaries[s].LabelCount;
            segmentStart[s + 1] = segmentStart[s] + (pairsOfTwo ? 2 : Stride(unaries[s].LabelCount));
        }
        int stride = segmentStart[segmentCount];
        // One CRF of up to 2 labels (a walk's or a threshold's CRF on an image of one class): its pixel rows keep 4
        // floats (the −∞ padding that the softmax needs), but its vertex rows hold the 2 real lanes only, half the bytes
        // that splat, blur and slice move. The padding lanes carry zeros through the lattice, so nothing is lost.
        bool narrow = segmentCount == 1 && segmentLabels[0] <= 2;
        int vertexStride = narrow ? 2 : stride;
        if ((long)px * stride > Array.MaxLength)
            throw new Core.WsssInputException(null, $"a {first.Width}x{first.Height} image with {first.LabelCount} labels is too large for one CRF");
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
            PermutohedralLattice.RunChunks(px, parallel, (lo, hi) =>
            {
                for (int s = 0; s < segmentCount; s++)
                {
                    var energies = unaries[s].Energies;
                    int n = segmentLabels[s], from = segmentStart[s], to = segmentStart[s + 1];
                    for (int i = lo; i < hi; i++)
                    {
                        int o = i * stride + from;
                        for (int l = 0; l < n; l++) negU[o + l] = -energies[l * px + i];
                        for (int l = from + n; l < to; l++) negU[i * stride + l] = float.NegativeInfinity;
                    }
                }
            });

            int kernelCount = kernels.Count;
            if (kernelCount > 2) throw new ArgumentException("at most two kernels", nameof(kernels));
            long largestPartial = kernels.Count == 0 ? 0 : kernels.Max(k => k.Kernel.Lattice.VertexCount + 1L) * vertexStride * sizeof(float);
            int chunks = PermutohedralLattice.PixelChunkCount(px, parallel, largestPartial);
            var partials = new float[kernelCount][][];
            var values = new float[kernelCount][];
            var scratch = new float[kernelCount][];
            var blurred = new float[kernelCount][];
            for (int k = 0; k < kernelCount; k++)
            {
                int rows = kernels[k].Kernel.Lattice.VertexCount + 1;
                // Row M is the zero "missing neighbour" row of the blur: only the rows below it are written.
                values[k] = Rent(rows * vertexStride, clear: true);
                scratch[k] = Rent(rows * vertexStride, clear: true);
                partials[k] = new float[chunks][];
                for (int t = 0; t < chunks; t++) partials[k][t] = Rent(rows * vertexStride, clear: true);
            }

            // One pixel pass per iteration: slice the blurred messages, add them to −U, softmax, and
            // splat the new Q straight into the next iteration's partial vertex buffers, so Q streams
            // through once and is never stored. Pass 0 is the initial Q⁰ = softmax(−U); the last pass
            // writes Q out as marginals and labels instead of splatting it.
            var marginals = new float[segmentCount][];
            var labels = new byte[segmentCount][];
            for (int s = 0; s < segmentCount; s++)
            {
                marginals[s] = new float[segmentLabels[s] * px];
                labels[s] = new byte[px];
            }
            var output = new PassOutput(marginals, labels, segmentStart, segmentLabels, px, unsureBelow ?? float.NegativeInfinity);
            for (int pass = 0; pass <= iterations; pass++)
            {
                bool slice = pass > 0, splat = pass < iterations;
                if (slice)
                {
                    for (int k = 0; k < kernelCount; k++)
                    {
                        var lattice = kernels[k].Kernel.Lattice;
                        if (chunks == 1)
                        {
                            // One pixel chunk: its partial is the splat itself. Swap it in instead of copying, and
                            // clear the old values buffer (done with since the last pixel pass) for the next splat.
                            (values[k], partials[k][0]) = (partials[k][0], values[k]);
                            Array.Clear(partials[k][0], 0, (lattice.VertexCount + 1) * vertexStride);
                        }
                        else
                        {
                            lattice.ReducePartials(partials[k], values[k], vertexStride, parallel);
                        }
                        blurred[k] = lattice.Blur(values[k], scratch[k], vertexStride, parallel);
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
                    fixed (float* up = negU, bp0 = b0, bp1 = b1, pp0 = p0, pp1 = p1)
                    fixed (float* sl0 = k0?.SliceWeights ?? Dummy, sl1 = k1?.SliceWeights ?? Dummy)
                    fixed (float* sp0 = k0?.SplatWeights ?? Dummy, sp1 = k1?.SplatWeights ?? Dummy)
                    fixed (int* of0 = k0?.Lattice.Offsets ?? DummyOffsets, of1 = k1?.Lattice.Offsets ?? DummyOffsets)
                    {
                        var side0 = new Side(k0 is null ? 0 : k0.Lattice.Dimension + 1, of0, bp0, sl0, sp0, pp0, compat0);
                        var side1 = new Side(k1 is null ? 0 : k1.Lattice.Dimension + 1, of1, bp1, sl1, sp1, pp1, compat1);
                        if (narrow)
                        {
                            if (side0.D1 == 3 && side1.D1 == 6)
                                PixelPass4Gb<Row2>(up, start, end, slice, splat ? null : output, pairs: false, side0, side1);
                            else
                                PixelPass4<Row2>(up, start, end, slice, splat ? null : output, pairs: false, side0, side1);
                            return;
                        }
                        if (stride == 4)
                        {
                            // Up to 4 labels (ir_label, la/ha and most CRFs of bg + present classes): each
                            // pixel's row is one vector, kept in a register from the slice to the splat.
                            if (side0.D1 == 3 && side1.D1 == 6)
                                PixelPass4Gb<Row4>(up, start, end, slice, splat ? null : output, pairsOfTwo, side0, side1);
                            else
                                PixelPass4<Row4>(up, start, end, slice, splat ? null : output, pairsOfTwo, side0, side1);
                            return;
                        }
                        if (stride == 8 && Vector256.IsHardwareAccelerated)
                        {
                            // Two 4-label CRFs side by side, or one CRF of 5..8 labels: one 256-bit vector.
                            if (side0.D1 == 3 && side1.D1 == 6)
                                PixelPass8Gb(up, start, end, slice, splat ? null : output, segmentCount == 2, vector512, side0, side1);
                            else
                                PixelPass8(up, start, end, slice, splat ? null : output, segmentCount == 2, side0, side1);
                            return;
                        }
                        var rowArray = new float[stride];
                        fixed (float* row = rowArray)
                        {
                            for (int i = start; i < end; i++)
                            {
                                CopyRow(row, up + (long)i * stride, stride);
                                if (slice)
                                {
                                    if (k0 is not null) Gather(row, bp0, k0.Lattice, sl0, compat0, i, stride);
                                    if (k1 is not null) Gather(row, bp1, k1.Lattice, sl1, compat1, i, stride);
                                }
                                for (int s = 0; s < segmentCount; s++)
                                    SoftmaxRow(row + segmentStart[s], segmentLabels[s], segmentStart[s + 1] - segmentStart[s]);
                                if (splat)
                                {
                                    k0?.Lattice.ScatterPixel(pp0, row, sp0, i, stride);
                                    k1?.Lattice.ScatterPixel(pp1, row, sp1, i, stride);
                                }
                                else
                                {
                                    output.Write(row, i);
                                }
                            }
                        }
                    }
                });
            }

            var results = new CrfResult[segmentCount];
            for (int s = 0; s < segmentCount; s++)
                results[s] = new CrfResult(segmentLabels[s], first.Height, first.Width, marginals[s], labels[s]);
            return results;
        }
        finally
        {
            foreach (var a in rentals) pool.Return(a);
        }
    }

    private static readonly float[] Dummy = new float[JointStride];
    private static readonly int[] DummyOffsets = new int[1];

    /// <summary>Where the last pass puts each segment's Q: label-major marginals and the argmax labels.</summary>
    private sealed class PassOutput(float[][] marginals, byte[][] labels, int[] segmentStart, int[] segmentLabels, int pixels, float unsure)
    {
        /// <summary>Writes pixel i's joint Q row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Write(float* row, int i)
        {
            for (int s = 0; s < segmentLabels.Length; s++)
            {
                float* q = row + segmentStart[s];
                var m = marginals[s];
                int n = segmentLabels[s];
                int best = 0;
                float bestValue = q[0];
                m[i] = q[0];
                for (int l = 1; l < n; l++)
                {
                    float v = q[l];
                    m[l * pixels + i] = v;
                    if (v > bestValue) { bestValue = v; best = l; }
                }
                labels[s][i] = bestValue < unsure ? (byte)255 : (byte)best;
            }
        }
    }

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
    /// A null <paramref name="output"/> splats; otherwise Q is written out. <typeparamref name="TRow"/> is the vertex
    /// rows' width (<see cref="Row2"/> for one CRF of up to 2 labels alone, with <paramref name="pairs"/> false).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PixelPass4<TRow>(float* negU, int start, int end, bool slice, PassOutput? output, bool pairs, Side k0, Side k1)
        where TRow : struct, IVertexRow
    {
        // Pairs of 2-label CRFs share 4-float rows: never with 2-float vertex rows (a constant per instantiation).
        if (TRow.Floats != 4) pairs = false;
        // Every pointer in a local: the JIT keeps them in registers instead of reloading the structs' fields.
        int d10 = k0.D1, d11 = k1.D1;
        int* of0 = k0.Offsets, of1 = k1.Offsets;
        float* bl0 = k0.Blurred, bl1 = k1.Blurred, sl0 = k0.SliceWeights, sl1 = k1.SliceWeights;
        float* sp0 = k0.SplatWeights, sp1 = k1.SplatWeights, pa0 = k0.Partial, pa1 = k1.Partial;
        float cp0 = k0.Compat, cp1 = k1.Compat;
        float* last = stackalloc float[4];
        for (int i = start; i < end; i++)
        {
            var row = Vector128.Load(negU + (long)i * 4);
            long c0 = (long)i * d10, c1 = (long)i * d11;
            int* o0 = of0 + c0, o1 = of1 + c1;
            if (slice)
            {
                float* w0 = sl0 + c0, w1 = sl1 + c1;
                for (int r = 0; r < d10; r++) row = Gather4<TRow>(row, cp0, w0, o0, bl0, r);
                for (int r = 0; r < d11; r++) row = Gather4<TRow>(row, cp1, w1, o1, bl1, r);
            }
            var qRow = pairs ? Softmax2Pair(row) : Softmax4(row);
            if (output is not null)
            {
                Vector128.Store(qRow, last);
                output.Write(last, i);
                continue;
            }
            float* s0 = sp0 + c0, s1 = sp1 + c1;
            for (int r = 0; r < d10; r++) Scatter4<TRow>(qRow, s0, o0, pa0, r);
            for (int r = 0; r < d11; r++) Scatter4<TRow>(qRow, s1, o1, pa1, r);
        }
    }

    /// <summary>
    /// <see cref="PixelPass4"/> for a Gaussian (3 corners) then a bilateral (6 corners) kernel, its corner loops written
    /// out. Pixels go two at a time where 256-bit vectors are fast: both rows are sliced, their softmaxes run in the
    /// halves of one vector (<see cref="Softmax4Pair"/>), and the first pixel splats before the second, so every
    /// partial sum sees the same additions in the same order as one pixel at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PixelPass4Gb<TRow>(float* negU, int start, int end, bool slice, PassOutput? output, bool pairs, Side g, Side b)
        where TRow : struct, IVertexRow
    {
        if (TRow.Floats != 4) pairs = false;   // see PixelPass4
        // Every pointer in a local (see PixelPass4).
        int* ofG = g.Offsets, ofB = b.Offsets;
        float* blG = g.Blurred, blB = b.Blurred, slG = g.SliceWeights, slB = b.SliceWeights;
        float* spG = g.SplatWeights, spB = b.SplatWeights, paG = g.Partial, paB = b.Partial;
        float cpG = g.Compat, cpB = b.Compat;
        float* last = stackalloc float[8];
        int i = start;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 1 < end; i += 2)
            {
                var rowA = Vector128.Load(negU + (long)i * 4);
                var rowB = Vector128.Load(negU + (long)i * 4 + 4);
                if (slice)
                {
                    rowA = SliceGb4<TRow>(rowA, i, ofG, ofB, slG, slB, blG, blB, cpG, cpB);
                    rowB = SliceGb4<TRow>(rowB, i + 1, ofG, ofB, slG, slB, blG, blB, cpG, cpB);
                }
                var q = pairs ? Softmax2Quad(Vector256.Create(rowA, rowB)) : Softmax4Pair(Vector256.Create(rowA, rowB));
                if (output is not null)
                {
                    Vector256.Store(q, last);
                    output.Write(last, i);
                    output.Write(last + 4, i + 1);
                    continue;
                }
                SplatGb4<TRow>(q.GetLower(), i, ofG, ofB, spG, spB, paG, paB);
                SplatGb4<TRow>(q.GetUpper(), i + 1, ofG, ofB, spG, spB, paG, paB);
            }
        }
        for (; i < end; i++)
        {
            var row = Vector128.Load(negU + (long)i * 4);
            if (slice) row = SliceGb4<TRow>(row, i, ofG, ofB, slG, slB, blG, blB, cpG, cpB);
            var qRow = pairs ? Softmax2Pair(row) : Softmax4(row);
            if (output is not null)
            {
                Vector128.Store(qRow, last);
                output.Write(last, i);
                continue;
            }
            SplatGb4<TRow>(qRow, i, ofG, ofB, spG, spB, paG, paB);
        }
    }

    /// <summary>Pixel <paramref name="i"/>'s logits row plus the Gaussian's (3 corners) then the bilateral's (6) slice, 4 labels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> SliceGb4<TRow>(Vector128<float> row, int i, int* ofG, int* ofB, float* slG, float* slB,
        float* blG, float* blB, float cpG, float cpB) where TRow : struct, IVertexRow
    {
        long cG = (long)i * 3, cB = (long)i * 6;
        int* oG = ofG + cG, oB = ofB + cB;
        float* wG = slG + cG, wB = slB + cB;
        row = Gather4<TRow>(row, cpG, wG, oG, blG, 0);
        row = Gather4<TRow>(row, cpG, wG, oG, blG, 1);
        row = Gather4<TRow>(row, cpG, wG, oG, blG, 2);
        row = Gather4<TRow>(row, cpB, wB, oB, blB, 0);
        row = Gather4<TRow>(row, cpB, wB, oB, blB, 1);
        row = Gather4<TRow>(row, cpB, wB, oB, blB, 2);
        row = Gather4<TRow>(row, cpB, wB, oB, blB, 3);
        row = Gather4<TRow>(row, cpB, wB, oB, blB, 4);
        row = Gather4<TRow>(row, cpB, wB, oB, blB, 5);
        return row;
    }

    /// <summary>Splats pixel <paramref name="i"/>'s Q into the Gaussian's (3 corners) then the bilateral's (6) partial rows, 4 labels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SplatGb4<TRow>(Vector128<float> q, int i, int* ofG, int* ofB, float* spG, float* spB, float* paG, float* paB)
        where TRow : struct, IVertexRow
    {
        long cG = (long)i * 3, cB = (long)i * 6;
        int* oG = ofG + cG, oB = ofB + cB;
        float* sG = spG + cG, sB = spB + cB;
        Scatter4<TRow>(q, sG, oG, paG, 0);
        Scatter4<TRow>(q, sG, oG, paG, 1);
        Scatter4<TRow>(q, sG, oG, paG, 2);
        Scatter4<TRow>(q, sB, oB, paB, 0);
        Scatter4<TRow>(q, sB, oB, paB, 1);
        Scatter4<TRow>(q, sB, oB, paB, 2);
        Scatter4<TRow>(q, sB, oB, paB, 3);
        Scatter4<TRow>(q, sB, oB, paB, 4);
        Scatter4<TRow>(q, sB, oB, paB, 5);
    }

    /// <summary>row + (compat·w[r])·blurred[o[r]]: one corner of the slice, 4 labels (a 2-float vertex row adds (compat·w)·0 to lanes 2 and 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector128<float> Gather4<TRow>(Vector128<float> row, float compat, float* w, int* o, float* blurred, int r)
        where TRow : struct, IVertexRow =>
        row + Vector128.Create(compat * w[r]) * TRow.Load(blurred + (long)o[r] * TRow.Floats);

    /// <summary>partial[o[r]] += w[r]·q: one corner of the splat, 4 labels (a 2-float vertex row stores lanes 0 and 1 only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Scatter4<TRow>(Vector128<float> q, float* w, int* o, float* partial, int r)
        where TRow : struct, IVertexRow
    {
        float* dst = partial + (long)o[r] * TRow.Floats;
        TRow.Store(TRow.Load(dst) + Vector128.Create(w[r]) * q, dst);
    }

    /// <summary>
    /// How the 4-lane pixel passes read and write a vertex row: <see cref="Row4"/>, all 4 floats; <see cref="Row2"/>, the
    /// 2 floats of a CRF of up to 2 labels alone (the pixel row keeps 4 lanes for the −∞ padding its softmax needs; the
    /// padding lanes meet zeros on loading and are not stored). A type argument, so each pixel pass is compiled for
    /// one row width with no branch in its loops, and every float operation on a real lane is the same in both:
    /// bit-identical results.
    /// </summary>
    private interface IVertexRow
    {
        static abstract int Floats { get; }
        static abstract unsafe Vector128<float> Load(float* p);
        static abstract unsafe void Store(Vector128<float> v, float* p);
    }

    /// <summary>4-float vertex rows.</summary>
    private readonly struct Row4 : IVertexRow
    {
        public static int Floats => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<float> Load(float* p) => Vector128.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector128<float> v, float* p) => Vector128.Store(v, p);
    }

    /// <summary>2-float vertex rows (<see cref="Load2"/>, <see cref="Store2"/>).</summary>
    private readonly struct Row2 : IVertexRow
    {
        public static int Floats => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<float> Load(float* p) => Load2(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(Vector128<float> v, float* p) => Store2(v, p);
    }

    /// <summary>The 2 floats at <paramref name="p"/> in lanes 0 and 1, zeros in lanes 2 and 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector128<float> Load2(float* p) => Vector128.CreateScalar(*(double*)p).AsSingle();

    /// <summary>Stores lanes 0 and 1 of <paramref name="v"/> at <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Store2(Vector128<float> v, float* p) => *(double*)p = v.AsDouble().ToScalar();

    /// <summary>
    /// The pixel pass for stride 8: two 4-label segments (<paramref name="split"/>, each with the
    /// Vector128 softmax of <see cref="PixelPass4"/>, lane for lane) or one 5..8-label segment (the
    /// Vector256 softmax of <see cref="SoftmaxRow"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PixelPass8(float* negU, int start, int end, bool slice, PassOutput? output, bool split, Side k0, Side k1)
    {
        int d10 = k0.D1, d11 = k1.D1;
        int* of0 = k0.Offsets, of1 = k1.Offsets;
        float* bl0 = k0.Blurred, bl1 = k1.Blurred, sl0 = k0.SliceWeights, sl1 = k1.SliceWeights;
        float* sp0 = k0.SplatWeights, sp1 = k1.SplatWeights, pa0 = k0.Partial, pa1 = k1.Partial;
        float cp0 = k0.Compat, cp1 = k1.Compat;
        float* last = stackalloc float[8];
        for (int i = start; i < end; i++)
        {
            var row = Vector256.Load(negU + (long)i * 8);
            long c0 = (long)i * d10, c1 = (long)i * d11;
            int* o0 = of0 + c0, o1 = of1 + c1;
            if (slice)
            {
                float* w0 = sl0 + c0, w1 = sl1 + c1;
                for (int r = 0; r < d10; r++) row = Gather8(row, cp0, w0, o0, bl0, r);
                for (int r = 0; r < d11; r++) row = Gather8(row, cp1, w1, o1, bl1, r);
            }
            var qRow = split ? Softmax4Pair(row) : Softmax8(row);
            if (output is not null)
            {
                Vector256.Store(qRow, last);
                output.Write(last, i);
                continue;
            }
            float* s0 = sp0 + c0, s1 = sp1 + c1;
            for (int r = 0; r < d10; r++) Scatter8(qRow, s0, o0, pa0, r);
            for (int r = 0; r < d11; r++) Scatter8(qRow, s1, o1, pa1, r);
        }
    }

    /// <summary>
    /// <see cref="PixelPass8"/> for the usual kernel pair, a Gaussian (2-D, 3 corners) then a bilateral (5-D, 6
    /// corners) kernel, with the corner loops written out: the same operations in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PixelPass8Gb(float* negU, int start, int end, bool slice, PassOutput? output, bool split, bool vector512, Side g, Side b)
    {
        int* ofG = g.Offsets, ofB = b.Offsets;
        float* blG = g.Blurred, blB = b.Blurred, slG = g.SliceWeights, slB = b.SliceWeights;
        float* spG = g.SplatWeights, spB = b.SplatWeights, paG = g.Partial, paB = b.Partial;
        float cpG = g.Compat, cpB = b.Compat;
        float* last = stackalloc float[16];
        int i = start;
        if (split && vector512 && Vector512.IsHardwareAccelerated)
        {
            // Two pixels at a time: both rows sliced, their four 4-label softmaxes in one 512-bit vector, then the
            // first pixel splats before the second (every partial sum sees the same additions in the same order).
            for (; i + 1 < end; i += 2)
            {
                var rowA = Vector256.Load(negU + (long)i * 8);
                var rowB = Vector256.Load(negU + (long)i * 8 + 8);
                if (slice)
                {
                    rowA = SliceGb8(rowA, i, ofG, ofB, slG, slB, blG, blB, cpG, cpB);
                    rowB = SliceGb8(rowB, i + 1, ofG, ofB, slG, slB, blG, blB, cpG, cpB);
                }
                var q = Softmax4Quad(Vector512.Create(rowA, rowB));
                if (output is not null)
                {
                    Vector512.Store(q, last);
                    output.Write(last, i);
                    output.Write(last + 8, i + 1);
                    continue;
                }
                SplatGb8(q.GetLower(), i, ofG, ofB, spG, spB, paG, paB);
                SplatGb8(q.GetUpper(), i + 1, ofG, ofB, spG, spB, paG, paB);
            }
        }
        // One pixel at a time: the whole pass where 512-bit vectors are absent or slow. The corners are written out
        // rather than SliceGb8 + SplatGb8, which would compute the corner pointers twice (34 more bytes of loop code).
        for (; i < end; i++)
        {
            var row = Vector256.Load(negU + (long)i * 8);
            long cG = (long)i * 3, cB = (long)i * 6;
            int* oG = ofG + cG, oB = ofB + cB;
            if (slice)
            {
                float* wG = slG + cG, wB = slB + cB;
                row = Gather8(row, cpG, wG, oG, blG, 0);
                row = Gather8(row, cpG, wG, oG, blG, 1);
                row = Gather8(row, cpG, wG, oG, blG, 2);
                row = Gather8(row, cpB, wB, oB, blB, 0);
                row = Gather8(row, cpB, wB, oB, blB, 1);
                row = Gather8(row, cpB, wB, oB, blB, 2);
                row = Gather8(row, cpB, wB, oB, blB, 3);
                row = Gather8(row, cpB, wB, oB, blB, 4);
                row = Gather8(row, cpB, wB, oB, blB, 5);
            }
            var qRow = split ? Softmax4Pair(row) : Softmax8(row);
            if (output is not null)
            {
                Vector256.Store(qRow, last);
                output.Write(last, i);
                continue;
            }
            float* sG = spG + cG, sB = spB + cB;
            Scatter8(qRow, sG, oG, paG, 0);
            Scatter8(qRow, sG, oG, paG, 1);
            Scatter8(qRow, sG, oG, paG, 2);
            Scatter8(qRow, sB, oB, paB, 0);
            Scatter8(qRow, sB, oB, paB, 1);
            Scatter8(qRow, sB, oB, paB, 2);
            Scatter8(qRow, sB, oB, paB, 3);
            Scatter8(qRow, sB, oB, paB, 4);
            Scatter8(qRow, sB, oB, paB, 5);
        }
    }

    /// <summary>Pixel <paramref name="i"/>'s logits row plus the Gaussian's (3 corners) then the bilateral's (6) slice, 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> SliceGb8(Vector256<float> row, int i, int* ofG, int* ofB, float* slG, float* slB,
        float* blG, float* blB, float cpG, float cpB)
    {
        long cG = (long)i * 3, cB = (long)i * 6;
        int* oG = ofG + cG, oB = ofB + cB;
        float* wG = slG + cG, wB = slB + cB;
        row = Gather8(row, cpG, wG, oG, blG, 0);
        row = Gather8(row, cpG, wG, oG, blG, 1);
        row = Gather8(row, cpG, wG, oG, blG, 2);
        row = Gather8(row, cpB, wB, oB, blB, 0);
        row = Gather8(row, cpB, wB, oB, blB, 1);
        row = Gather8(row, cpB, wB, oB, blB, 2);
        row = Gather8(row, cpB, wB, oB, blB, 3);
        row = Gather8(row, cpB, wB, oB, blB, 4);
        row = Gather8(row, cpB, wB, oB, blB, 5);
        return row;
    }

    /// <summary>Splats pixel <paramref name="i"/>'s Q into the Gaussian's (3 corners) then the bilateral's (6) partial rows, 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SplatGb8(Vector256<float> q, int i, int* ofG, int* ofB, float* spG, float* spB, float* paG, float* paB)
    {
        long cG = (long)i * 3, cB = (long)i * 6;
        int* oG = ofG + cG, oB = ofB + cB;
        float* sG = spG + cG, sB = spB + cB;
        Scatter8(q, sG, oG, paG, 0);
        Scatter8(q, sG, oG, paG, 1);
        Scatter8(q, sG, oG, paG, 2);
        Scatter8(q, sB, oB, paB, 0);
        Scatter8(q, sB, oB, paB, 1);
        Scatter8(q, sB, oB, paB, 2);
        Scatter8(q, sB, oB, paB, 3);
        Scatter8(q, sB, oB, paB, 4);
        Scatter8(q, sB, oB, paB, 5);
    }

    /// <summary>
    /// Four 4-float softmaxes side by side (two pixels' joint rows of two 4-label CRFs), lane for lane what
    /// <see cref="Softmax4Pair"/> computes on each 256-bit half: the same shuffles within each 128-bit quarter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Softmax4Quad(Vector512<float> row)
    {
        var pairs = Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
        var halves = Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
        var m = Vector512.MaxNative(row, Vector512.Shuffle(row, pairs));
        m = Vector512.MaxNative(m, Vector512.Shuffle(m, halves));
        var e = FastExp.Exp(row - m);
        var sum = e + Vector512.Shuffle(e, pairs);
        sum += Vector512.Shuffle(sum, halves);
        return e / sum;
    }

    /// <summary>row + (compat·w[r])·blurred[o[r]]: one corner of the slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Gather8(Vector256<float> row, float compat, float* w, int* o, float* blurred, int r) =>
        row + Vector256.Create(compat * w[r]) * Vector256.Load(blurred + (long)o[r] * 8);

    /// <summary>partial[o[r]] += w[r]·q: one corner of the splat.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Scatter8(Vector256<float> q, float* w, int* o, float* partial, int r)
    {
        float* dst = partial + (long)o[r] * 8;
        Vector256.Store(Vector256.Load(dst) + Vector256.Create(w[r]) * q, dst);
    }

    /// <summary>The softmax of a 4-float row, as <see cref="SoftmaxRow"/>'s Vector128 branch computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Softmax4(Vector128<float> row)
    {
        var e = FastExp.Exp(row - MaxBroadcast(row));
        return e / Vector128.Create(Vector128.Sum(e));
    }

    /// <summary>
    /// Two 4-float softmaxes side by side (two CRFs' rows in the halves of one vector), lane for lane what
    /// <see cref="Softmax4"/> computes on each half: the maximum as <see cref="MaxBroadcast"/> and the sum as
    /// <see cref="Vector128.Sum{T}(Vector128{T})"/> takes them ((e0 + e1) + (e2 + e3)), with shuffles that stay within
    /// each 128-bit half, and the exp on all eight lanes at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Softmax4Pair(Vector256<float> row)
    {
        var pairs = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        var halves = Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5);
        var m = Vector256.MaxNative(row, Vector256.Shuffle(row, pairs));
        m = Vector256.MaxNative(m, Vector256.Shuffle(m, halves));
        var e = FastExp.Exp(row - m);
        var sum = e + Vector256.Shuffle(e, pairs);
        sum += Vector256.Shuffle(sum, halves);
        return e / sum;
    }

    /// <summary>
    /// Two 2-float softmaxes side by side (two CRFs of up to 2 labels in the halves of a 4-float row), lane for lane what
    /// <see cref="Softmax4"/> computes on a 2-label row padded with −∞: there the maximum's second step and the sum's
    /// second addition meet only the padding (max(m, −∞) = m, s + (0 + 0) = s), so one step of each gives the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Softmax2Pair(Vector128<float> row)
    {
        var pairs = Vector128.Create(1, 0, 3, 2);
        var m = Vector128.MaxNative(row, Vector128.Shuffle(row, pairs));
        var e = FastExp.Exp(row - m);
        return e / (e + Vector128.Shuffle(e, pairs));
    }

    /// <summary><see cref="Softmax2Pair"/> on two pixels' rows at once (four 2-float softmaxes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Softmax2Quad(Vector256<float> row)
    {
        var pairs = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        var m = Vector256.MaxNative(row, Vector256.Shuffle(row, pairs));
        var e = FastExp.Exp(row - m);
        return e / (e + Vector256.Shuffle(e, pairs));
    }

    /// <summary>The softmax of an 8-float row, as <see cref="SoftmaxRow"/>'s Vector256 branch computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Softmax8(Vector256<float> row)
    {
        var m = MaxBroadcast(Vector128.MaxNative(row.GetLower(), row.GetUpper()));
        var e = FastExp.Exp(row - Vector256.Create(m, m));
        return e / Vector256.Create(Vector256.Sum(e));
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
            var m4 = MaxBroadcast(Vector128.MaxNative(max8.GetLower(), max8.GetUpper()));
            var m8 = Vector256.Create(m4, m4);
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
            var m4 = MaxBroadcast(max4);
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

    /// <summary>
    /// The largest of the four lanes, in every lane: two native max steps over swapped pairs. The logits are finite or
    /// −∞ (CrfUnary refuses non-finite energies), so no NaN reaches it; of +0 and −0 it may pick either, and
    /// FastExp gives exactly 1 for x − m = ±0 alike, so the softmax is the same bit for bit either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> MaxBroadcast(Vector128<float> v)
    {
        var m = Vector128.MaxNative(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
        return Vector128.MaxNative(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
    }
}