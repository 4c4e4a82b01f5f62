using WsssGpuRefine.Core;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// Synthetic VOC-size data shaped like peer-baselines.md's: 500x375, 21 classes, 2-3 present classes, GT with a
/// 5-px void band, CAMs = blurred one-hot + noise in [0,1]. A pool of distinct images is reused to make up 1464
/// items (the pool alone is larger than any CPU cache, so reuse flatters nothing).
/// </summary>
public static class VocSizeData
{
    public const int Width = 500, Height = 375, Classes = 21, TrainImages = 1464;

    public static (ClassMaps Cams, LabelMap Gt, LabelMap Predicted)[] Pool(int distinct, int seed = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, distinct).Select(_ => One(rng)).ToArray();
    }

    public static T[] Repeat<T>(T[] pool, int count) => Enumerable.Range(0, count).Select(i => pool[i % pool.Length]).ToArray();

    private static (ClassMaps, LabelMap, LabelMap) One(Random rng)
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
        return (new ClassMaps(ids, Height, Width, cams), new LabelMap(Height, Width, withBand), new LabelMap(Height, Width, pred));
    }
}
