namespace WsssGpuRefine.Core;

/// <summary>An 8-bit RGB image, interleaved row-major (H, W, 3), as the CRF's bilateral kernel reads it.</summary>
public sealed class RgbImage
{
    public RgbImage(int height, int width, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if ((long)height * width * 3 != pixels.Length)
            throw new ArgumentException($"pixels hold {pixels.Length} bytes, not {height}x{width}x3", nameof(pixels));
        Height = height;
        Width = width;
        Pixels = pixels;
    }

    public int Height { get; }
    public int Width { get; }
    public byte[] Pixels { get; }
}
