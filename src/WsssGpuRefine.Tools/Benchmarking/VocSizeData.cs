using WsssGpuRefine.Core;

namespace WsssGpuRefine.Benchmarking;

/// <summary>One synthetic VOC-size item: foreground CAMs of the present classes, GT with a void band, a
/// prediction close to the GT (for confusion counting) and an RGB image whose colours follow the objects.</summary>
public sealed record VocSizeItem(ClassMaps Cams, LabelMap Gt, LabelMap Predicted, RgbImage Image);

/// <summary>
/// Synthetic VOC-size data shaped like VOC 2012 val (as in our earlier peer measurement, bench/RESULTS.md): 500x375, 21 classes, 2-3 present classes, GT with a
/// 5-px void band, CAMs = blurred one-hot + noise in [0,1]. A pool of distinct images is reused to make up larger
/// sets (24 distinct VOC-size items are larger than any CPU cache, so reuse flatters nothing).
/// bench/peers/peers.py builds the same shapes in numpy for the peer recipes.
/// </summary>
public static class VocSizeData
{
    /// <summary>The data's shape: VOC's common image size (500 wide, 375 high), 21 classes, and the 1464 images of VOC 2012 train.</summary>
    public const int Width = 500, Height = 375, Classes = 21, TrainImages = 1464;

    /// <summary>Generates <paramref name="distinct"/> items deterministically from <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The count is not positive.</exception>
    public static VocSizeItem[] Pool(int distinct, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(distinct);
        var rng = new Random(seed);
        return Enumerable.Range(0, distinct).Select(_ => One(rng)).ToArray();
    }

    /// <summary>A set of <paramref name="count"/> entries cycling through <paramref name="pool"/> (the same instances, not copies).</summary>
    /// <exception cref="ArgumentException">The pool is empty and count is positive.</exception>
    public static T[] Repeat<T>(T[] pool, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (pool.Length == 0 && count > 0) throw new ArgumentException("the pool is empty", nameof(pool));
        return Enumerable.Range(0, count).Select(i => pool[i % pool.Length]).ToArray();
    }

    private static VocSizeItem One(Random rng)
    {
        int present = rng.Next(2, 4);
        var ids = Enumerable.Range(1, Classes - 1).OrderBy(_ => rng.Next()).Take(present).OrderBy(x => x).ToArray();
        var gt = new byte[Width * Height];
        var boxes = ids.Select(id => (Id: id, Y0: rng.Next(0, Height / 2), X0: rng.Next(0, Width / 2), Y1: rng.Next(Height / 2, Height), X1: rng.Next(Width / 2, Width))).ToArray();
        foreach (var b in boxes)
            for (int y = b.Y0; y < b.Y1; y++)
            for (int x = b.X0; x < b.X1; x++) gt[y * Width + x] = (byte)b.Id;
        var withBand = (byte[])gt.Clone();
        for (int y = 0; y < Height; y++)
        for (int x = 0; x < Width; x++)
        {
            byte v = gt[y * Width + x];
            if (x + 5 < Width && gt[y * Width + x + 5] != v || y + 5 < Height && gt[(y + 5) * Width + x] != v) withBand[y * Width + x] = 255;
        }
        var cams = new float[present * Width * Height];
        for (int k = 0; k < present; k++)
        {
            var b = boxes[k];
            for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                float dy = Math.Max(0, Math.Max(b.Y0 - y, y - b.Y1)), dx = Math.Max(0, Math.Max(b.X0 - x, x - b.X1));
                float inside = MathF.Exp(-(dy * dy + dx * dx) / 400f);
                cams[(k * Height + y) * Width + x] = Math.Clamp(0.8f * inside + 0.3f * (rng.NextSingle() - 0.5f), 0, 1);
            }
        }
        var pred = new byte[Width * Height];
        for (int i = 0; i < pred.Length; i++) pred[i] = rng.Next(50) == 0 ? (byte)ids[0] : gt[Math.Max(0, i - 7)];
        return new VocSizeItem(new ClassMaps(ids, Height, Width, cams), new LabelMap(Height, Width, withBand), new LabelMap(Height, Width, pred),
            Image(gt, rng));
    }

    /// <summary>One colour per class plus pixel noise: edges where the objects end, so the CRF's and the image
    /// affinity's bilateral terms see a lattice about as populated as a photo's.</summary>
    private static RgbImage Image(byte[] gt, Random rng)
    {
        var palette = new byte[Classes * 3];
        rng.NextBytes(palette);
        var px = new byte[Width * Height * 3];
        for (int i = 0; i < gt.Length; i++)
            for (int c = 0; c < 3; c++)
                px[i * 3 + c] = (byte)Math.Clamp(palette[gt[i] * 3 + c] + rng.Next(-20, 21), 0, 255);
        return new RgbImage(Height, Width, px);
    }
}
