using System.Numerics;
using System.Runtime.CompilerServices;
using WsssGpuRefine.Backends;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// The CPU propagation: x ← x·T applied step by step as a stencil, vectorised along rows and
/// threaded over row blocks, ping-ponging between two padded buffers so the steps allocate nothing.
/// </summary>
internal static class RandomWalkCpu
{
    /// <summary>Below this many target values a step is cheaper on one thread.</summary>
    private const int ParallelThreshold = 8192;

    /// <summary>
    /// Applies T <paramref name="steps"/> times to the rows of x (C, h, w), in place. With
    /// <paramref name="doubleAccumulation"/> the iterate is held and summed in double (the weights stay
    /// float), which removes most of the rounding that 256 float steps accumulate.
    /// </summary>
    public static void Propagate(StencilTransition t, float[] x, int channels, int steps, ComputeBackend backend,
        bool doubleAccumulation = false)
    {
        StepWorker worker = doubleAccumulation ? new DoubleStepWorker(t, channels) : new FloatStepWorker(t, channels);
        worker.Load(x);
        int blocks = t.Height * channels * t.Width < ParallelThreshold
            ? 1
            : Math.Min(t.Height, backend.MaxDegreeOfParallelism * 4);
        // One delegate for all steps; the worker swaps its own buffers between them.
        Action<int> block = b => worker.Rows(b * t.Height / blocks, (b + 1) * t.Height / blocks);
        for (int s = 0; s < steps; s++)
        {
            if (blocks == 1) worker.Rows(0, t.Height);
            else Parallel.For(0, blocks, backend.ParallelOptions, block);
            worker.Swap();
        }
        worker.Store(x);
    }

    /// <summary>rw = x·M with a dense (N, N) matrix: per channel a row-vector times matrix product.</summary>
    public static void ApplyDense(DenseMatrixAffinity m, float[] x, int channels, ComputeBackend backend)
    {
        int n = m.PixelCount;
        var result = new float[channels * n];
        int vec = Vector<float>.Count;
        // Row-major M makes x·M a sum of scaled rows: each thread owns a column slice of the output
        // and streams M once, row by row, applying each row slice to every channel while it is in cache.
        int blocks = Math.Max(1, Math.Min(backend.MaxDegreeOfParallelism * 4, n / 256));
        Parallel.For(0, blocks, backend.ParallelOptions, b =>
        {
            int j0 = b * n / blocks, j1 = (b + 1) * n / blocks, length = j1 - j0;
            for (int i = 0; i < n; i++)
            {
                var row = m.Matrix.AsSpan(i * n + j0, length);
                for (int c = 0; c < channels; c++)
                {
                    float xi = x[c * n + i];
                    if (xi == 0f) continue;
                    var acc = result.AsSpan(c * n + j0, length);
                    var scale = new Vector<float>(xi);
                    int k = 0;
                    for (; k <= length - vec; k += vec)
                        Vector.MultiplyAddEstimate(new Vector<float>(row.Slice(k)), scale, new Vector<float>(acc.Slice(k))).CopyTo(acc.Slice(k));
                    for (; k < length; k++)
                        acc[k] += row[k] * xi;
                }
            }
        });
        result.CopyTo(x, 0);
    }

    private abstract class StepWorker(StencilTransition t, int channels)
    {
        protected readonly StencilTransition T = t;
        protected readonly int Channels = channels;

        public abstract void Load(float[] values);
        public abstract void Store(float[] values);
        public abstract void Rows(int yBegin, int yEnd);
        public abstract void Swap();
    }

    private sealed class FloatStepWorker(StencilTransition t, int channels) : StepWorker(t, channels)
    {
        private float[] source = new float[channels * t.PlaneSize];
        private float[] target = new float[channels * t.PlaneSize];

        public override void Load(float[] values) => T.Pad(values, Channels, source);
        public override void Store(float[] values) => T.Unpad(source, Channels, values);
        public override void Swap() => (source, target) = (target, source);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override unsafe void Rows(int yBegin, int yEnd)
        {
            var t = T;
            int channels = Channels;
            int vec = Vector<float>.Count;
            int chunks = (t.RowStride - 2 * t.Halo) / vec;
            var k = new StepKernel { PlaneSize = t.PlaneSize, Directions = t.Offsets.Length };
            fixed (float* src = source, dst = target, planes = t.BetaPlanes, inv = t.InverseColumnSum)
            fixed (int* offsets = t.Offsets)
            {
                k.Src = src;
                k.Dst = dst;
                k.Planes = planes;
                k.Inverse = inv;
                k.Offsets = offsets;
                for (int y = yBegin; y < yEnd; y++)
                {
                    int rowStart = t.IndexOf(y, 0);
                    // Up to four channels share each weight load (blocks of 4, then a 3, 2 or 1 remainder), and each
                    // block takes two to four chunks of the row at once: every cell's sum is one chain of dependent
                    // FMAs, so 6 to 8 independent chains keep the FMA units busy where one chunk's 1 to 4 left them
                    // waiting on the previous FMA. Each cell still sees the same operations in the same order.
                    for (int c = 0; c < channels;)
                    {
                        int block = Math.Min(4, channels - c);
                        switch (block)
                        {
                            case 1: k.Row<Shape1x4, Shape1x1>(rowStart, chunks, c); break;
                            case 2: k.Row<Shape2x4, Shape2x1>(rowStart, chunks, c); break;
                            case 3: k.Row<Shape3x2, Shape3x1>(rowStart, chunks, c); break;
                            default: k.Row<Shape4x2, Shape4x1>(rowStart, chunks, c); break;
                        }
                        c += block;
                    }
                }
            }
        }
    }

    /// <summary>A block of the float step: <see cref="Channels"/> channels of <see cref="Chunks"/> consecutive row chunks.</summary>
    private interface IBlockShape
    {
        static abstract int Channels { get; }
        static abstract int Chunks { get; }
    }

    private struct Shape1x1 : IBlockShape { public static int Channels => 1; public static int Chunks => 1; }
    private struct Shape1x4 : IBlockShape { public static int Channels => 1; public static int Chunks => 4; }
    private struct Shape2x1 : IBlockShape { public static int Channels => 2; public static int Chunks => 1; }
    private struct Shape2x4 : IBlockShape { public static int Channels => 2; public static int Chunks => 4; }
    private struct Shape3x1 : IBlockShape { public static int Channels => 3; public static int Chunks => 1; }
    private struct Shape3x2 : IBlockShape { public static int Channels => 3; public static int Chunks => 2; }
    private struct Shape4x1 : IBlockShape { public static int Channels => 4; public static int Chunks => 1; }
    private struct Shape4x2 : IBlockShape { public static int Channels => 4; public static int Chunks => 2; }

    /// <summary>The float step's buffers: one block of cells at a time (<see cref="Cells{TShape}"/>).</summary>
    private unsafe struct StepKernel
    {
        public float* Src, Dst, Planes, Inverse;
        public int* Offsets;
        public int PlaneSize, Directions;

        /// <summary>
        /// One channel block of a row's <paramref name="chunks"/> chunks: TGroup's several chunks at a time, then the
        /// remainder one chunk at a time with TSingle (the same channels, one chunk).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Row<TGroup, TSingle>(int rowStart, int chunks, int c0)
            where TGroup : struct, IBlockShape where TSingle : struct, IBlockShape
        {
            int vec = Vector<float>.Count, chunk = 0;
            for (; chunk + TGroup.Chunks <= chunks; chunk += TGroup.Chunks) Cells<TGroup>(rowStart + chunk * vec, c0);
            for (; chunk < chunks; chunk++) Cells<TSingle>(rowStart + chunk * vec, c0);
        }

        /// <summary>
        /// New values of TShape.Channels channels (from <paramref name="c0"/>) at TShape.Chunks chunks from cell
        /// <paramref name="j"/>: rw[j] = x[j] + (Σ_d T_fwd (x[j + off] − x[j]) + T_bwd (x[j − off] − x[j])) / colsum[j],
        /// summed direction by direction, forward before backward. The sum runs over differences (columns of T sum to
        /// one), so the float rounding scales with the local contrast, which the walk drives to zero, instead of with
        /// the values. Accumulator a is channel c0 + a % Channels of chunk a / Channels; the generic constants fold
        /// the unused ones away.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Cells<TShape>(int j, int c0) where TShape : struct, IBlockShape
        {
            int cb = TShape.Channels, lanes = TShape.Channels * TShape.Chunks, vec = Vector<float>.Count;
            int planeSize = PlaneSize, directions = Directions;
            float* src = Src, dst = Dst, inverse = Inverse;
            int* offsets = Offsets;
            // Accumulator a holds channel c0 + a % Channels of chunk a / Channels.
            int at = c0 * planeSize + j;
            float* s0 = src + at + Offset(0, cb, planeSize, vec), s1 = src + at + Offset(1, cb, planeSize, vec);
            float* s2 = src + at + Offset(2, cb, planeSize, vec), s3 = src + at + Offset(3, cb, planeSize, vec);
            float* s4 = src + at + Offset(4, cb, planeSize, vec), s5 = src + at + Offset(5, cb, planeSize, vec);
            float* s6 = src + at + Offset(6, cb, planeSize, vec), s7 = src + at + Offset(7, cb, planeSize, vec);
            var x0 = Vector.Load(s0);
            var x1 = lanes > 1 ? Vector.Load(s1) : default;
            var x2 = lanes > 2 ? Vector.Load(s2) : default;
            var x3 = lanes > 3 ? Vector.Load(s3) : default;
            var x4 = lanes > 4 ? Vector.Load(s4) : default;
            var x5 = lanes > 5 ? Vector.Load(s5) : default;
            var x6 = lanes > 6 ? Vector.Load(s6) : default;
            var x7 = lanes > 7 ? Vector.Load(s7) : default;
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            float* p = Planes + j;
            for (int d = 0; d < directions; d++, p += planeSize)
            {
                // Both offsets as indices, so every load is one base + index·4 address.
                int off = offsets[d], back = -off;
                // The forward and backward weights of chunk k are planes[j + k·vec] and planes[j + k·vec − off].
                var f0 = Vector.Load(p);
                var b0 = Vector.Load(p + back);
                var f1 = TShape.Chunks > 1 ? Vector.Load(p + vec) : default;
                var b1 = TShape.Chunks > 1 ? Vector.Load(p + vec + back) : default;
                var f2 = TShape.Chunks > 2 ? Vector.Load(p + 2 * vec) : default;
                var b2 = TShape.Chunks > 2 ? Vector.Load(p + 2 * vec + back) : default;
                var f3 = TShape.Chunks > 3 ? Vector.Load(p + 3 * vec) : default;
                var b3 = TShape.Chunks > 3 ? Vector.Load(p + 3 * vec + back) : default;
                a0 = Vector.MultiplyAddEstimate(Pick<TShape>(0, f0, f1, f2, f3), Vector.Load(s0 + off) - x0, a0);
                if (lanes > 1) a1 = Vector.MultiplyAddEstimate(Pick<TShape>(1, f0, f1, f2, f3), Vector.Load(s1 + off) - x1, a1);
                if (lanes > 2) a2 = Vector.MultiplyAddEstimate(Pick<TShape>(2, f0, f1, f2, f3), Vector.Load(s2 + off) - x2, a2);
                if (lanes > 3) a3 = Vector.MultiplyAddEstimate(Pick<TShape>(3, f0, f1, f2, f3), Vector.Load(s3 + off) - x3, a3);
                if (lanes > 4) a4 = Vector.MultiplyAddEstimate(Pick<TShape>(4, f0, f1, f2, f3), Vector.Load(s4 + off) - x4, a4);
                if (lanes > 5) a5 = Vector.MultiplyAddEstimate(Pick<TShape>(5, f0, f1, f2, f3), Vector.Load(s5 + off) - x5, a5);
                if (lanes > 6) a6 = Vector.MultiplyAddEstimate(Pick<TShape>(6, f0, f1, f2, f3), Vector.Load(s6 + off) - x6, a6);
                if (lanes > 7) a7 = Vector.MultiplyAddEstimate(Pick<TShape>(7, f0, f1, f2, f3), Vector.Load(s7 + off) - x7, a7);
                a0 = Vector.MultiplyAddEstimate(Pick<TShape>(0, b0, b1, b2, b3), Vector.Load(s0 + back) - x0, a0);
                if (lanes > 1) a1 = Vector.MultiplyAddEstimate(Pick<TShape>(1, b0, b1, b2, b3), Vector.Load(s1 + back) - x1, a1);
                if (lanes > 2) a2 = Vector.MultiplyAddEstimate(Pick<TShape>(2, b0, b1, b2, b3), Vector.Load(s2 + back) - x2, a2);
                if (lanes > 3) a3 = Vector.MultiplyAddEstimate(Pick<TShape>(3, b0, b1, b2, b3), Vector.Load(s3 + back) - x3, a3);
                if (lanes > 4) a4 = Vector.MultiplyAddEstimate(Pick<TShape>(4, b0, b1, b2, b3), Vector.Load(s4 + back) - x4, a4);
                if (lanes > 5) a5 = Vector.MultiplyAddEstimate(Pick<TShape>(5, b0, b1, b2, b3), Vector.Load(s5 + back) - x5, a5);
                if (lanes > 6) a6 = Vector.MultiplyAddEstimate(Pick<TShape>(6, b0, b1, b2, b3), Vector.Load(s6 + back) - x6, a6);
                if (lanes > 7) a7 = Vector.MultiplyAddEstimate(Pick<TShape>(7, b0, b1, b2, b3), Vector.Load(s7 + back) - x7, a7);
            }
            float* o = dst + at, scale = inverse + j;
            Store(0, a0, x0, o, scale, cb, planeSize, vec);
            if (lanes > 1) Store(1, a1, x1, o, scale, cb, planeSize, vec);
            if (lanes > 2) Store(2, a2, x2, o, scale, cb, planeSize, vec);
            if (lanes > 3) Store(3, a3, x3, o, scale, cb, planeSize, vec);
            if (lanes > 4) Store(4, a4, x4, o, scale, cb, planeSize, vec);
            if (lanes > 5) Store(5, a5, x5, o, scale, cb, planeSize, vec);
            if (lanes > 6) Store(6, a6, x6, o, scale, cb, planeSize, vec);
            if (lanes > 7) Store(7, a7, x7, o, scale, cb, planeSize, vec);
        }

        /// <summary>Accumulator a's offset from the block's first cell: a % channels planes and a / channels chunks on.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Offset(int a, int channels, int planeSize, int vec) => a % channels * planeSize + a / channels * vec;

        /// <summary>The weights of accumulator a's chunk (a / channels).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> Pick<TShape>(int a, Vector<float> w0, Vector<float> w1, Vector<float> w2, Vector<float> w3)
            where TShape : struct, IBlockShape =>
            (a / TShape.Channels) switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };

        /// <summary>centre + sum / colsum for accumulator a.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(int a, Vector<float> sum, Vector<float> centre, float* dst, float* inverse, int channels, int planeSize, int vec) =>
            Vector.Store(Vector.MultiplyAddEstimate(sum, Vector.Load(inverse + a / channels * vec), centre), dst + Offset(a, channels, planeSize, vec));
    }

    private sealed class DoubleStepWorker(StencilTransition t, int channels) : StepWorker(t, channels)
    {
        private double[] source = new double[channels * t.PlaneSize];
        private double[] target = new double[channels * t.PlaneSize];

        public override void Load(float[] values)
        {
            var padded = new float[source.Length];
            T.Pad(values, Channels, padded);
            for (int i = 0; i < padded.Length; i++) source[i] = padded[i];
        }

        public override void Store(float[] values)
        {
            var padded = new float[source.Length];
            for (int i = 0; i < padded.Length; i++) padded[i] = (float)source[i];
            T.Unpad(padded, Channels, values);
        }

        public override void Swap() => (source, target) = (target, source);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override unsafe void Rows(int yBegin, int yEnd)
        {
            var t = T;
            int vec = Vector<float>.Count, half = Vector<double>.Count;
            int chunks = (t.RowStride - 2 * t.Halo) / vec;
            int planeSize = t.PlaneSize, directions = t.Offsets.Length;
            fixed (double* src = source, dst = target, inv = t.InverseColumnSumExact)
            fixed (float* planes = t.BetaPlanes)
            fixed (int* offsets = t.Offsets)
            {
                for (int y = yBegin; y < yEnd; y++)
                {
                    int rowStart = t.IndexOf(y, 0);
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        int j = rowStart + chunk * vec;
                        for (int c = 0; c < Channels; c++)
                        {
                            double* s0 = src + c * planeSize + j;
                            var accLow = Vector.Load(s0);
                            var accHigh = Vector.Load(s0 + half);
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                Vector.Widen(Vector.Load(p), out var forwardLow, out var forwardHigh);
                                Vector.Widen(Vector.Load(p - off), out var backwardLow, out var backwardHigh);
                                accLow = Vector.MultiplyAddEstimate(forwardLow, Vector.Load(s0 + off), accLow);
                                accHigh = Vector.MultiplyAddEstimate(forwardHigh, Vector.Load(s0 + off + half), accHigh);
                                accLow = Vector.MultiplyAddEstimate(backwardLow, Vector.Load(s0 - off), accLow);
                                accHigh = Vector.MultiplyAddEstimate(backwardHigh, Vector.Load(s0 - off + half), accHigh);
                            }
                            double* o = dst + c * planeSize + j;
                            Vector.Store(accLow * Vector.Load(inv + j), o);
                            Vector.Store(accHigh * Vector.Load(inv + j + half), o + half);
                        }
                    }
                }
            }
        }
    }
}
