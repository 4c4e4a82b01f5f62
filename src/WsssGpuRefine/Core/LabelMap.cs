namespace WsssGpuRefine.Core;

/// <summary>A per-pixel label image: 0 = background, 1..K-1 classes, 255 = ignore.</summary>
public sealed class LabelMap
{
    public const byte Ignore = 255;

    public LabelMap(int height, int width, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if ((long)height * width != labels.Length)
            throw new ArgumentException($"labels hold {labels.Length} values, not {height}x{width}", nameof(labels));
        Height = height;
        Width = width;
        Labels = labels;
    }

    public LabelMap(int height, int width) : this(height, width, new byte[height * width]) { }

    public int Height { get; }
    public int Width { get; }
    public int PixelCount => Height * Width;
    public byte[] Labels { get; }
}
