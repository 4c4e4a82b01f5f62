namespace WsssGpuRefine.Core;

/// <summary>A per-pixel label image: 0 = background, 1..K-1 classes, 255 = ignore.</summary>
public sealed class LabelMap
{
    /// <summary>Label value of pixels that are not scored: VOC boundary/void pixels in ground truth, unsure pixels in pseudo labels.</summary>
    public const byte Ignore = 255;

    /// <summary>Wraps existing row-major labels without copying them.</summary>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="labels">height * width label values, row-major; kept, not copied.</param>
    /// <exception cref="ArgumentException">The length is not height * width.</exception>
    public LabelMap(int height, int width, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if ((long)height * width != labels.Length)
            throw new ArgumentException($"labels hold {labels.Length} values, not {height}x{width}", nameof(labels));
        Height = height;
        Width = width;
        Labels = labels;
    }

    /// <summary>A map of the given size with every pixel 0 (background).</summary>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    public LabelMap(int height, int width) : this(height, width, new byte[height * width]) { }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height * Width, the length of <see cref="Labels"/>.</summary>
    public int PixelCount => Height * Width;
    /// <summary>Row-major (H, W) label values: 0 = background, 1..K-1 classes (VOC 1..20), <see cref="Ignore"/> = 255.</summary>
    public byte[] Labels { get; }
}
