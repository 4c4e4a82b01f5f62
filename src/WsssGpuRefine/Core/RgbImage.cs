namespace WsssGpuRefine.Core;

/// <summary>An 8-bit RGB image, interleaved row-major (H, W, 3), as the CRF's bilateral kernel reads it.</summary>
public sealed class RgbImage
{
    /// <summary>Wraps existing interleaved pixels without copying them.</summary>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="pixels">height * width * 3 bytes, R, G, B per pixel, rows top to bottom; kept, not copied.</param>
    /// <exception cref="ArgumentException">The length is not height * width * 3.</exception>
    public RgbImage(int height, int width, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if ((long)height * width * 3 != pixels.Length)
            throw new ArgumentException($"pixels hold {pixels.Length} bytes, not {height}x{width}x3", nameof(pixels));
        Height = height;
        Width = width;
        Pixels = pixels;
    }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>(H, W, 3) bytes: pixel (y, x) channel c is at (y*W + x)*3 + c, c = 0 red, 1 green, 2 blue.</summary>
    public byte[] Pixels { get; }
}
