using System.Globalization;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Datasets.Synthetic;

/// <summary>One generated image with everything a seed method would have for it.</summary>
public sealed record SyntheticItem(string Id, RgbImage Image, LabelMap GroundTruth, ClassMaps Cams, ClassMaps LowResCams);

/// <summary>
/// The embedded synthetic VOC-format sample: scenes of 1-3 coloured objects on textured backgrounds, VOC-style
/// ground truth with a void band, and CAMs that behave like real ones (peaked on a discriminative part,
/// blurred past the object edges, max-normalised per class), so thresholding scores well below refinement.
/// Parameters come from <c>datasets/synthetic/sample.txt</c>; the output is the same on every run.
/// </summary>
public static class SyntheticVocSample
{
    /// <summary>Stride of the low-resolution CAMs (IRN's stride-4 <c>cam</c>).</summary>
    public const int Stride = 4;

    /// <summary>What to generate; <see cref="Embedded"/> gives the sample <c>wsss demo</c> ships.</summary>
    /// <param name="Images">Number of images.</param>
    /// <param name="Seed">Random seed; image i depends only on the seed and i.</param>
    /// <param name="MinWidth">Smallest image width in pixels.</param>
    /// <param name="MaxWidth">Largest image width in pixels (inclusive).</param>
    /// <param name="MinHeight">Smallest image height in pixels.</param>
    /// <param name="MaxHeight">Largest image height in pixels (inclusive).</param>
    /// <param name="MaxObjects">Most objects per image (at least one is drawn).</param>
    /// <param name="VoidBand">Width in pixels of the 255 band drawn around objects in the ground truth, as VOC has.</param>
    public sealed record Parameters(int Images, int Seed, int MinWidth, int MaxWidth, int MinHeight, int MaxHeight, int MaxObjects, int VoidBand)
    {
        /// <summary>The parameters in the embedded <c>datasets/synthetic/sample.txt</c> (16 images of 176..256 x 128..192).</summary>
        public static Parameters Embedded()
        {
            var values = EmbeddedText.Lines("datasets/synthetic/sample.txt")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
            return new Parameters(values["images"], values["seed"], values["min_width"], values["max_width"],
                values["min_height"], values["max_height"], values["max_objects"], values["void_band"]);
        }
    }

    /// <summary>Generates every image of the sample in memory; null uses <see cref="Parameters.Embedded"/>.</summary>
    public static IReadOnlyList<SyntheticItem> Generate(Parameters? parameters = null)
    {
        var p = parameters ?? Parameters.Embedded();
        return Enumerable.Range(0, p.Images).Select(i => GenerateOne(p, i)).ToArray();
    }

    /// <summary>The VOC-style id of image <paramref name="index"/>: "2026_" and six digits, e.g. "2026_000003".</summary>
    public static string IdOf(int index) => $"2026_{index:D6}";

    /// <summary>Image <paramref name="index"/> of the sample alone (the same as Generate(p)[index]).</summary>
    public static SyntheticItem GenerateOne(Parameters p, int index)
    {
        var rng = new Random(p.Seed * 7919 + index);
        int w = rng.Next(p.MinWidth, p.MaxWidth + 1), h = rng.Next(p.MinHeight, p.MaxHeight + 1);
        int objects = rng.Next(1, p.MaxObjects + 1);
        var gt = new byte[h * w];
        var rgb = new byte[h * w * 3];

        // Background: a vertical gradient between two dull colours with per-pixel texture.
        var top = RandomColour(rng, 40, 200);
        var bottom = RandomColour(rng, 40, 200);
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            float f = y / (float)Math.Max(1, h - 1);
            for (int c = 0; c < 3; c++)
                rgb[(y * w + x) * 3 + c] = Clamp(top[c] + (bottom[c] - top[c]) * f + rng.Next(-10, 11));
        }

        var classes = new List<int>();
        var centres = new List<(int Class, float Y, float X, float Radius)>();
        for (int o = 0; o < objects; o++)
        {
            int cls = rng.Next(1, 21);
            float cy = rng.Next(h / 5, h - h / 5), cx = rng.Next(w / 5, w - w / 5);
            float ry = rng.Next(h / 8, h / 3), rx = rng.Next(w / 8, w / 3);
            bool ellipse = rng.Next(2) == 0;
            var colour = RandomColour(rng, 0, 255);
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float dy = (y - cy) / ry, dx = (x - cx) / rx;
                bool inside = ellipse ? dy * dy + dx * dx <= 1 : Math.Abs(dy) <= 0.8f && Math.Abs(dx) <= 0.8f;
                if (!inside) continue;
                gt[y * w + x] = (byte)cls;
                float shade = 0.85f + 0.3f * (x - cx + rx) / (2 * rx);
                for (int c = 0; c < 3; c++)
                    rgb[(y * w + x) * 3 + c] = Clamp(colour[c] * shade + rng.Next(-12, 13));
            }
            if (!classes.Contains(cls)) classes.Add(cls);
            centres.Add((cls, cy + rng.Next(-(int)ry / 3, (int)ry / 3 + 1), cx + rng.Next(-(int)rx / 3, (int)rx / 3 + 1), (rx + ry) / 2));
        }

        // Classes fully hidden under later objects are not in the image-level label.
        classes = classes.Where(c => gt.Contains((byte)c)).OrderBy(c => c).ToList();
        var withVoid = AddVoidBand(gt, h, w, p.VoidBand);

        var cams = new float[classes.Count * h * w];
        for (int k = 0; k < classes.Count; k++)
        {
            int cls = classes[k];
            var mask = new float[h * w];
            for (int i = 0; i < mask.Length; i++) mask[i] = gt[i] == cls ? 1f : 0f;
            var blurred = BoxBlur(BoxBlur(mask, h, w, 7), h, w, 7);
            var noise = new float[h * w];
            for (int i = 0; i < noise.Length; i++) noise[i] = rng.NextSingle();
            noise = BoxBlur(BoxBlur(noise, h, w, 9), h, w, 9);
            var map = cams.AsSpan(k * h * w, h * w);
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float bump = 0;
                foreach (var (peakClass, py, px, r) in centres)
                {
                    if (peakClass != cls) continue;
                    float s = 0.3f * r;
                    float d2 = (y - py) * (y - py) + (x - px) * (x - px);
                    bump = Math.Max(bump, MathF.Exp(-d2 / (2 * s * s)));
                }
                int i = y * w + x;
                map[i] = Math.Max(0, blurred[i] * (0.05f + 0.95f * bump) + 0.3f * (noise[i] - 0.5f) * blurred[i] + 0.05f * noise[i]);
            }
            float max = 0;
            foreach (float v in map) max = Math.Max(max, v);
            for (int i = 0; i < map.Length; i++) map[i] /= max + 1e-5f;
        }

        var ids = classes.ToArray();
        var full = new ClassMaps(ids, h, w, cams);
        return new SyntheticItem(IdOf(index), new RgbImage(h, w, rgb), new LabelMap(h, w, withVoid), full, Downsample(full, Stride));
    }

    /// <summary>Area-average pooling to the stride grid (ceil sizes), as the stride-4 <c>cam</c> relates to <c>high_res</c>.</summary>
    internal static ClassMaps Downsample(ClassMaps full, int stride)
    {
        int h = (full.Height + stride - 1) / stride, w = (full.Width + stride - 1) / stride;
        var data = new float[full.Channels * h * w];
        for (int k = 0; k < full.Channels; k++)
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            float sum = 0; int n = 0;
            for (int yy = y * stride; yy < Math.Min(full.Height, (y + 1) * stride); yy++)
            for (int xx = x * stride; xx < Math.Min(full.Width, (x + 1) * stride); xx++)
            {
                sum += full.Data[(k * full.Height + yy) * full.Width + xx];
                n++;
            }
            data[(k * h + y) * w + x] = sum / n;
        }
        return new ClassMaps(full.LabelIds, h, w, data);
    }

    private static byte[] AddVoidBand(byte[] gt, int h, int w, int band)
    {
        var output = (byte[])gt.Clone();
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            byte v = gt[y * w + x];
            for (int dy = -band; dy <= band; dy++)
            for (int dx = -band; dx <= band; dx++)
            {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                if (gt[yy * w + xx] != v && v != 0)
                {
                    output[y * w + x] = 255;
                    goto next;
                }
            }
        next:;
        }
        return output;
    }

    private static float[] BoxBlur(float[] src, int h, int w, int r)
    {
        var tmp = new float[src.Length];
        var dst = new float[src.Length];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            float s = 0; int n = 0;
            for (int xx = Math.Max(0, x - r); xx <= Math.Min(w - 1, x + r); xx++) { s += src[y * w + xx]; n++; }
            tmp[y * w + x] = s / n;
        }
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            float s = 0; int n = 0;
            for (int yy = Math.Max(0, y - r); yy <= Math.Min(h - 1, y + r); yy++) { s += tmp[yy * w + x]; n++; }
            dst[y * w + x] = s / n;
        }
        return dst;
    }

    private static int[] RandomColour(Random rng, int low, int high) => [rng.Next(low, high), rng.Next(low, high), rng.Next(low, high)];

    private static byte Clamp(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
}
