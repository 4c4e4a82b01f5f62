using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;

namespace WsssGpuRefine.Tests.Crf;

/// <summary>
/// Exact dense mean field, all pairs, in float64: k(i, j) = exp(−½|f_i − f_j|²) with the self term,
/// K̃ = D^−½ K D^−½ with D = diag(K·1 + 1e-20), Q ← softmax(−U + Σ w K̃ Q). What the lattice approximates.
/// </summary>
internal static class BruteForceCrf
{
    public static double[] Run(RgbImage image, CrfUnary unary, CrfParameters p)
    {
        int h = image.Height, w = image.Width, n = h * w, labels = unary.LabelCount;
        var kernels = new List<(double[] K, double Compat)>();
        if (p.HasGaussian)
            kernels.Add((Normalised(Features(image, p.GaussianSxy, null), n), p.GaussianCompat));
        if (p.HasBilateral)
            kernels.Add((Normalised(Features(image, p.BilateralSxy, p.BilateralSrgb), n), p.BilateralCompat));

        var negU = new double[labels * n];
        for (int i = 0; i < negU.Length; i++) negU[i] = -unary.Energies[i];
        var q = Softmax(negU, labels, n);
        for (int it = 0; it < p.Iterations; it++)
        {
            var logits = (double[])negU.Clone();
            foreach (var (k, compat) in kernels)
                for (int l = 0; l < labels; l++)
                    for (int i = 0; i < n; i++)
                    {
                        double s = 0;
                        for (int j = 0; j < n; j++) s += k[i * n + j] * q[l * n + j];
                        logits[l * n + i] += compat * s;
                    }
            q = Softmax(logits, labels, n);
        }
        return q;
    }

    private static double[][] Features(RgbImage image, float sxy, float? srgb)
    {
        int h = image.Height, w = image.Width;
        var f = new double[h * w][];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x;
                f[p] = srgb is { } s
                    ? [x / sxy, y / sxy, image.Pixels[p * 3] / s, image.Pixels[p * 3 + 1] / s, image.Pixels[p * 3 + 2] / s]
                    : [x / sxy, y / sxy];
            }
        return f;
    }

    private static double[] Normalised(double[][] f, int n)
    {
        var k = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double d2 = 0;
                for (int c = 0; c < f[i].Length; c++) { double d = f[i][c] - f[j][c]; d2 += d * d; }
                k[i * n + j] = Math.Exp(-0.5 * d2);
            }
        var norm = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += k[i * n + j];
            norm[i] = 1 / Math.Sqrt(s + 1e-20);
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) k[i * n + j] *= norm[i] * norm[j];
        return k;
    }

    private static double[] Softmax(double[] logits, int labels, int n)
    {
        var q = new double[logits.Length];
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int l = 0; l < labels; l++) max = Math.Max(max, logits[l * n + i]);
            double sum = 0;
            for (int l = 0; l < labels; l++) { q[l * n + i] = Math.Exp(logits[l * n + i] - max); sum += q[l * n + i]; }
            for (int l = 0; l < labels; l++) q[l * n + i] /= sum;
        }
        return q;
    }

    public static byte[] Argmax(double[] q, int labels, int n)
    {
        var r = new byte[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int l = 1; l < labels; l++) if (q[l * n + i] > q[best * n + i]) best = l;
            r[i] = (byte)best;
        }
        return r;
    }
}

/// <summary>Small deterministic synthetic scenes: coloured regions with noise and matching scores.</summary>
internal static class CrfScenes
{
    /// <summary>Random energies of <paramref name="labels"/> labels in [0, 4) for a scene (any finite values are a valid unary).</summary>
    public static CrfUnary RandomUnary(int labels, int height, int width, int seed)
    {
        var rng = new Random(seed);
        var e = new float[labels * height * width];
        for (int i = 0; i < e.Length; i++) e[i] = (float)(rng.NextDouble() * 4);
        return new CrfUnary(labels, height, width, e);
    }

    /// <summary>
    /// An image of <paramref name="regions"/> vertical colour bands (plus noise) and score maps that
    /// favour each band's label but are noisy enough for the pairwise terms to change labels.
    /// </summary>
    public static (RgbImage Image, ClassMaps Scores) Bands(int height, int width, int labels, int seed, double noise = 0.35, int colourNoise = 12)
    {
        var rng = new Random(seed);
        var palette = new byte[labels][];
        for (int l = 0; l < labels; l++)
            palette[l] = [(byte)rng.Next(20, 236), (byte)rng.Next(20, 236), (byte)rng.Next(20, 236)];
        var px = new byte[height * width * 3];
        var scores = new float[labels * height * width];
        int n = height * width;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                int band = Math.Min(labels - 1, (x + y / 3) * labels / (width + height / 3));
                for (int c = 0; c < 3; c++)
                    px[p * 3 + c] = (byte)Math.Clamp(palette[band][c] + rng.Next(-colourNoise, colourNoise + 1), 0, 255);
                for (int l = 0; l < labels; l++)
                {
                    double v = (l == band ? 0.55 : 0.2) + noise * rng.NextDouble();
                    scores[l * n + p] = (float)Math.Min(1.0, v);
                }
            }
        var ids = Enumerable.Range(0, labels).ToArray();
        return (new RgbImage(height, width, px), new ClassMaps(ids, height, width, scores));
    }
}
