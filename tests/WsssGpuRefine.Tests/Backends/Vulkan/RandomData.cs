using WsssGpuRefine.Core;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

/// <summary>Random CAMs and label maps with many exact ties, to exercise every tie rule.</summary>
internal static class RandomData
{
    /// <summary>Sizes that stress word packing and piece splitting: single pixel, odd, not a multiple of 4, large odd.</summary>
    public static readonly (int H, int W)[] OddSizes = [(1, 1), (7, 5), (3, 1), (2, 2), (513, 257), (31, 17)];

    public static ClassMaps Cams(Random rng, int height, int width, int channels, int classes = 21, int levels = 20)
    {
        var ids = Enumerable.Range(1, classes - 1).OrderBy(_ => rng.Next()).Take(channels).ToArray();
        var data = new float[channels * height * width];
        // Values on a coarse grid: channels tie with each other and with thresholds like 0.15 (as float32).
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(levels + 1) / (float)levels;
        return new ClassMaps(ids, height, width, data);
    }

    public static LabelMap Labels(Random rng, int height, int width, int classes, double ignoreFraction = 0.1)
    {
        var labels = new byte[height * width];
        for (int i = 0; i < labels.Length; i++)
            labels[i] = rng.NextDouble() < ignoreFraction ? LabelMap.Ignore : (byte)rng.Next(classes);
        return new LabelMap(height, width, labels);
    }

    /// <summary>A batch mixing odd sizes and 1..4 channels (plus one image with none).</summary>
    public static List<ClassMaps> CamBatch(Random rng, int classes = 21)
    {
        var list = new List<ClassMaps>();
        foreach (var (h, w) in OddSizes) list.Add(Cams(rng, h, w, 1 + rng.Next(4), classes));
        list.Add(Cams(rng, 9, 11, 0, classes));
        list.Add(Cams(rng, 64, 48, 20, classes));
        return list;
    }
}
