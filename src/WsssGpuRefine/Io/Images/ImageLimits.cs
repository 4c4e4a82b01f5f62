namespace WsssGpuRefine.Io.Images;

/// <summary>The size checks every image reader makes on a file's declared dimensions, before decoding anything.</summary>
public static class ImageLimits
{
    /// <summary>
    /// The largest image accepted, in pixels: the size at which PIL refuses an image with an error (twice
    /// <c>Image.MAX_IMAGE_PIXELS</c> = 89,478,485; python-pillow/Pillow src/PIL/Image.py, <c>_decompression_bomb_check</c>),
    /// 178,956,970 pixels. A 7 KB JPEG or a 0.9 MB PNG can declare 30000x30000 (900 million pixels).
    /// </summary>
    public const long MaxPixels = 178_956_970;

    /// <summary>Null when a declared size is acceptable, else the reason it is not.</summary>
    internal static string? Check(long width, long height) =>
        width <= 0 || height <= 0 ? $"the image declares an invalid size {width}x{height}"
        : width * height > MaxPixels ? $"the image declares {width}x{height} pixels, more than the limit of {MaxPixels} (PIL's decompression-bomb limit)"
        : null;
}
