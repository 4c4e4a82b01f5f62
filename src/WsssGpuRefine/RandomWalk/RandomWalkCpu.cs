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
            int planeSize = t.PlaneSize, directions = t.Offsets.Length;
            fixed (float* src = source, dst = target, planes = t.BetaPlanes, inv = t.InverseColumnSum)
            fixed (int* offsets = t.Offsets)
            {
                for (int y = yBegin; y < yEnd; y++)
                {
                    int rowStart = t.IndexOf(y, 0);
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        int j = rowStart + chunk * vec;
                        var scale = Vector.Load(inv + j);
                        // Up to four channels share each weight load (blocks of 4, then a 3, 2 or 1 remainder).
                        // The sum runs over differences x[i] − x[j]: rw[j] = x[j] + Σ_i T_ij (x[i] − x[j])
                        // (columns of T sum to one), so the float rounding scales with the local
                        // contrast, which the walk drives to zero, instead of with the values.
                        int c = 0;
                        for (; c + 3 < channels; c += 4)
                        {
                            float* s0 = src + c * planeSize + j, s1 = s0 + planeSize, s2 = s1 + planeSize, s3 = s2 + planeSize;
                            var centre0 = Vector.Load(s0);
                            var centre1 = Vector.Load(s1);
                            var centre2 = Vector.Load(s2);
                            var centre3 = Vector.Load(s3);
                            Vector<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                var forward = Vector.Load(p);
                                var backward = Vector.Load(p - off);
                                acc0 = Vector.MultiplyAddEstimate(forward, Vector.Load(s0 + off) - centre0, acc0);
                                acc1 = Vector.MultiplyAddEstimate(forward, Vector.Load(s1 + off) - centre1, acc1);
                                acc2 = Vector.MultiplyAddEstimate(forward, Vector.Load(s2 + off) - centre2, acc2);
                                acc3 = Vector.MultiplyAddEstimate(forward, Vector.Load(s3 + off) - centre3, acc3);
                                acc0 = Vector.MultiplyAddEstimate(backward, Vector.Load(s0 - off) - centre0, acc0);
                                acc1 = Vector.MultiplyAddEstimate(backward, Vector.Load(s1 - off) - centre1, acc1);
                                acc2 = Vector.MultiplyAddEstimate(backward, Vector.Load(s2 - off) - centre2, acc2);
                                acc3 = Vector.MultiplyAddEstimate(backward, Vector.Load(s3 - off) - centre3, acc3);
                            }
                            float* o = dst + c * planeSize + j;
                            Vector.Store(Vector.MultiplyAddEstimate(acc0, scale, centre0), o);
                            Vector.Store(Vector.MultiplyAddEstimate(acc1, scale, centre1), o + planeSize);
                            Vector.Store(Vector.MultiplyAddEstimate(acc2, scale, centre2), o + 2 * planeSize);
                            Vector.Store(Vector.MultiplyAddEstimate(acc3, scale, centre3), o + 3 * planeSize);
                        }
                        if (channels - c == 3)
                        {
                            float* s0 = src + c * planeSize + j, s1 = s0 + planeSize, s2 = s1 + planeSize;
                            var centre0 = Vector.Load(s0);
                            var centre1 = Vector.Load(s1);
                            var centre2 = Vector.Load(s2);
                            Vector<float> acc0 = default, acc1 = default, acc2 = default;
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                var forward = Vector.Load(p);
                                var backward = Vector.Load(p - off);
                                acc0 = Vector.MultiplyAddEstimate(forward, Vector.Load(s0 + off) - centre0, acc0);
                                acc1 = Vector.MultiplyAddEstimate(forward, Vector.Load(s1 + off) - centre1, acc1);
                                acc2 = Vector.MultiplyAddEstimate(forward, Vector.Load(s2 + off) - centre2, acc2);
                                acc0 = Vector.MultiplyAddEstimate(backward, Vector.Load(s0 - off) - centre0, acc0);
                                acc1 = Vector.MultiplyAddEstimate(backward, Vector.Load(s1 - off) - centre1, acc1);
                                acc2 = Vector.MultiplyAddEstimate(backward, Vector.Load(s2 - off) - centre2, acc2);
                            }
                            float* o = dst + c * planeSize + j;
                            Vector.Store(Vector.MultiplyAddEstimate(acc0, scale, centre0), o);
                            Vector.Store(Vector.MultiplyAddEstimate(acc1, scale, centre1), o + planeSize);
                            Vector.Store(Vector.MultiplyAddEstimate(acc2, scale, centre2), o + 2 * planeSize);
                            c += 3;
                        }
                        for (; c + 1 < channels; c += 2)
                        {
                            float* s0 = src + c * planeSize + j, s1 = s0 + planeSize;
                            var centre0 = Vector.Load(s0);
                            var centre1 = Vector.Load(s1);
                            var acc0 = Vector<float>.Zero;
                            var acc1 = Vector<float>.Zero;
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                var forward = Vector.Load(p);
                                var backward = Vector.Load(p - off);
                                acc0 = Vector.MultiplyAddEstimate(forward, Vector.Load(s0 + off) - centre0, acc0);
                                acc1 = Vector.MultiplyAddEstimate(forward, Vector.Load(s1 + off) - centre1, acc1);
                                acc0 = Vector.MultiplyAddEstimate(backward, Vector.Load(s0 - off) - centre0, acc0);
                                acc1 = Vector.MultiplyAddEstimate(backward, Vector.Load(s1 - off) - centre1, acc1);
                            }
                            Vector.Store(Vector.MultiplyAddEstimate(acc0, scale, centre0), dst + c * planeSize + j);
                            Vector.Store(Vector.MultiplyAddEstimate(acc1, scale, centre1), dst + (c + 1) * planeSize + j);
                        }
                        if (c < channels)
                        {
                            float* s0 = src + c * planeSize + j;
                            var centre0 = Vector.Load(s0);
                            var acc0 = Vector<float>.Zero;
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                acc0 = Vector.MultiplyAddEstimate(Vector.Load(p), Vector.Load(s0 + off) - centre0, acc0);
                                acc0 = Vector.MultiplyAddEstimate(Vector.Load(p - off), Vector.Load(s0 - off) - centre0, acc0);
                            }
                            Vector.Store(Vector.MultiplyAddEstimate(acc0, scale, centre0), dst + c * planeSize + j);
                        }
                    }
                }
            }
        }
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
