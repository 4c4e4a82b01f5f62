using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Tests.RandomWalk;

/// <summary>
/// The straightforward reference: a dense N×N affinity, T = colnorm(A^β), T^(2^t) by repeated
/// squaring and rw = x·T, all in double, with pairs enumerated over every (i, j) rather than
/// through the stencil layout.
/// </summary>
internal static class DenseRandomWalkReference
{
    /// <summary>Dense A from a boundary map: a_ij = 1 − max B on the path, for 0 &lt; |j − i|² &lt; r².</summary>
    public static double[,] BoundaryAffinity(float[] boundary, int h, int w, int radius)
    {
        int n = h * w;
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            a[i, i] = 1;
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                int dy = j / w - i / w, dx = j % w - i % w;
                if (dy * dy + dx * dx >= radius * radius) continue;
                // The path is stored from the pair's half-plane end; the reverse pair shares it.
                int from = i;
                if (dy < 0 || (dy == 0 && dx < 0)) { from = j; dy = -dy; dx = -dx; }
                float maxB = 0;
                foreach (var (py, px) in RandomWalkDirections.PathOf(new RandomWalkDirection(dy, dx)))
                    maxB = Math.Max(maxB, boundary[(from / w + py) * w + from % w + px]);
                a[i, j] = 1.0 - maxB;
            }
        }
        return a;
    }

    /// <summary>Dense A from a stencil's stored weights (both symmetric halves, unit diagonal).</summary>
    public static double[,] FromStencil(StencilAffinity s)
    {
        int n = s.PixelCount, w = s.Width;
        var a = new double[n, n];
        for (int i = 0; i < n; i++) a[i, i] = 1;
        for (int d = 0; d < s.Directions.Count; d++)
            for (int y = 0; y < s.Height; y++)
                for (int x = 0; x < w; x++)
                {
                    var dir = s.Directions[d];
                    int ty = y + dir.Dy, tx = x + dir.Dx;
                    if (ty < 0 || ty >= s.Height || tx < 0 || tx >= w) continue;
                    int i = y * w + x, j = ty * w + tx;
                    a[i, j] = a[j, i] = s[d, y, x];
                }
        return a;
    }

    public static double[,] Transition(double[,] a, double beta, int expTimes)
    {
        int n = a.GetLength(0);
        var t = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.Pow(a[i, j], beta);
            for (int i = 0; i < n; i++) t[i, j] = Math.Pow(a[i, j], beta) / sum;
        }
        for (int k = 0; k < expTimes; k++) t = Square(t);
        return t;
    }

    private static double[,] Square(double[,] m)
    {
        int n = m.GetLength(0);
        var r = new double[n, n];
        Parallel.For(0, n, i =>
        {
            for (int k = 0; k < n; k++)
            {
                double v = m[i, k];
                if (v == 0) continue;
                for (int j = 0; j < n; j++) r[i, j] += v * m[k, j];
            }
        });
        return r;
    }

    /// <summary>rw_c = x_c · T for (C, N) values.</summary>
    public static double[] Apply(float[] x, int channels, double[,] t)
    {
        int n = t.GetLength(0);
        var rw = new double[channels * n];
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < n; i++)
            {
                double xi = x[c * n + i];
                for (int j = 0; j < n; j++) rw[c * n + j] += xi * t[i, j];
            }
        return rw;
    }
}
