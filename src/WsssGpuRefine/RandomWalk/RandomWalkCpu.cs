using System.Numerics;
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

    /// <summary>Applies T <paramref name="steps"/> times to the rows of x (C, h, w), in place.</summary>
    public static void Propagate(StencilTransition t, float[] x, int channels, int steps, CpuBackend backend)
    {
        int size = channels * t.PlaneSize;
        var front = new float[size];
        var back = new float[size];
        t.Pad(x, channels, front);
        var worker = new StepWorker(t, channels);
        int blocks = t.Height * channels * t.Width < ParallelThreshold
            ? 1
            : Math.Min(t.Height, backend.MaxDegreeOfParallelism * 4);
        for (int s = 0; s < steps; s++)
        {
            worker.Source = front;
            worker.Target = back;
            if (blocks == 1) worker.Rows(0, t.Height);
            else Parallel.For(0, blocks, backend.ParallelOptions, b =>
                worker.Rows(b * t.Height / blocks, (b + 1) * t.Height / blocks));
            (front, back) = (back, front);
        }
        t.Unpad(front, channels, x);
    }

    /// <summary>rw = x·M with a dense (N, N) matrix: per channel a row-vector times matrix product.</summary>
    public static void ApplyDense(DenseMatrixAffinity m, float[] x, int channels, CpuBackend backend)
    {
        int n = m.PixelCount;
        var result = new float[channels * n];
        int vec = Vector<float>.Count;
        // Row-major M makes x·M a sum of scaled rows, which streams M once per channel block with
        // unit stride; columns are split across threads so each owns its slice of the output.
        int blocks = Math.Max(1, Math.Min(backend.MaxDegreeOfParallelism * 4, n / 256));
        Parallel.For(0, blocks, backend.ParallelOptions, b =>
        {
            int j0 = b * n / blocks, j1 = (b + 1) * n / blocks;
            for (int c = 0; c < channels; c++)
            {
                var acc = result.AsSpan(c * n + j0, j1 - j0);
                for (int i = 0; i < n; i++)
                {
                    float xi = x[c * n + i];
                    if (xi == 0f) continue;
                    var row = m.Matrix.AsSpan(i * n + j0, j1 - j0);
                    var scale = new Vector<float>(xi);
                    int k = 0;
                    for (; k <= acc.Length - vec; k += vec)
                        Vector.MultiplyAddEstimate(new Vector<float>(row.Slice(k)), scale, new Vector<float>(acc.Slice(k))).CopyTo(acc.Slice(k));
                    for (; k < acc.Length; k++)
                        acc[k] += row[k] * xi;
                }
            }
        });
        result.CopyTo(x, 0);
    }

    private sealed class StepWorker(StencilTransition t, int channels)
    {
        public float[] Source = [];
        public float[] Target = [];

        public unsafe void Rows(int yBegin, int yEnd)
        {
            int vec = Vector<float>.Count;
            int chunks = (t.RowStride - 2 * t.Halo) / vec;
            int planeSize = t.PlaneSize, directions = t.Offsets.Length;
            fixed (float* src = Source, dst = Target, planes = t.BetaPlanes, inv = t.InverseColumnSum)
            fixed (int* offsets = t.Offsets)
            {
                for (int y = yBegin; y < yEnd; y++)
                {
                    int rowStart = t.IndexOf(y, 0);
                    for (int chunk = 0; chunk < chunks; chunk++)
                    {
                        int j = rowStart + chunk * vec;
                        var scale = Vector.Load(inv + j);
                        // Two channels share each weight load; an odd last channel runs alone.
                        int c = 0;
                        for (; c + 1 < channels; c += 2)
                        {
                            float* s0 = src + c * planeSize + j, s1 = s0 + planeSize;
                            var acc0 = Vector.Load(s0);
                            var acc1 = Vector.Load(s1);
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                var forward = Vector.Load(p);
                                var backward = Vector.Load(p - off);
                                acc0 = Vector.MultiplyAddEstimate(forward, Vector.Load(s0 + off), acc0);
                                acc1 = Vector.MultiplyAddEstimate(forward, Vector.Load(s1 + off), acc1);
                                acc0 = Vector.MultiplyAddEstimate(backward, Vector.Load(s0 - off), acc0);
                                acc1 = Vector.MultiplyAddEstimate(backward, Vector.Load(s1 - off), acc1);
                            }
                            Vector.Store(acc0 * scale, dst + c * planeSize + j);
                            Vector.Store(acc1 * scale, dst + (c + 1) * planeSize + j);
                        }
                        if (c < channels)
                        {
                            float* s0 = src + c * planeSize + j;
                            var acc0 = Vector.Load(s0);
                            float* p = planes + j;
                            for (int d = 0; d < directions; d++, p += planeSize)
                            {
                                int off = offsets[d];
                                acc0 = Vector.MultiplyAddEstimate(Vector.Load(p), Vector.Load(s0 + off), acc0);
                                acc0 = Vector.MultiplyAddEstimate(Vector.Load(p - off), Vector.Load(s0 - off), acc0);
                            }
                            Vector.Store(acc0 * scale, dst + c * planeSize + j);
                        }
                    }
                }
            }
        }
    }
}
