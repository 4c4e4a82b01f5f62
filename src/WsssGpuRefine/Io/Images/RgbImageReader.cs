using System.Runtime.InteropServices;
using SkiaSharp;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Images;

/// <summary>
/// Reads JPEG/PNG (and the other formats Skia decodes) as 8-bit RGB for the CRF, through SkiaSharp. Skia decodes
/// JPEGs with libjpeg-turbo's default settings (integer "islow" IDCT, fancy chroma upsampling), the library PIL and
/// cv2 use in the seed methods, so the CRF sees the seed methods' pixels exactly, progressive JPEGs included. EXIF
/// orientation is not applied, as PIL's <c>Image.open</c> does not.
/// </summary>
/// <remarks>
/// Every file is checked before a pixel is decoded: its declared size against <see cref="ImageLimits.MaxPixels"/> (a 7 KB JPEG
/// can declare 30000x30000) and, where the caller knows it, against the size the image must have. A decode that
/// stops early (a truncated or corrupt file, which libjpeg would pad with grey) is an error, as PIL's "image file
/// is truncated" is.
/// </remarks>
public static class RgbImageReader
{
    /// <summary>Reads a JPEG or PNG file as (H, W, 3) RGB bytes.</summary>
    /// <exception cref="WsssInputException">The file cannot be read or decoded, or is too large; the exception names the file.</exception>
    public static RgbImage Read(string path) => InputFile.ReadItem(path, () => Decode(File.ReadAllBytes(path)));

    /// <summary>
    /// Reads a JPEG or PNG file that must be <paramref name="expectedHeight"/> x <paramref name="expectedWidth"/> (the
    /// CAM's size): a file declaring another size is refused before it is decoded.
    /// </summary>
    /// <exception cref="WsssInputException">The file declares another size, or cannot be read or decoded; the exception names the file.</exception>
    public static RgbImage Read(string path, int expectedHeight, int expectedWidth) =>
        InputFile.ReadItem(path, () => Decode(File.ReadAllBytes(path), (expectedHeight, expectedWidth)));

    /// <summary>The size a file declares, (height, width), read from its header without decoding pixels.</summary>
    /// <exception cref="WsssInputException">The file is not an image Skia reads, or declares more than <see cref="ImageLimits.MaxPixels"/>.</exception>
    public static (int Height, int Width) ReadSize(string path) => InputFile.ReadItem(path, () =>
    {
        using var codec = Open(File.ReadAllBytes(path), out _);
        return (codec.Info.Height, codec.Info.Width);
    });

    /// <summary>Decodes JPEG or PNG bytes.</summary>
    /// <exception cref="WsssInputException">The bytes are not a complete image Skia decodes, or declare more than <see cref="ImageLimits.MaxPixels"/> (no file named).</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded) => Decode(encoded, null);

    private static RgbImage Decode(ReadOnlySpan<byte> encoded, (int Height, int Width)? expected)
    {
        using var codec = Open(encoded, out var data);
        using (data)
        {
            int width = codec.Info.Width, height = codec.Info.Height;
            if (expected is { } e && (e.Height != height || e.Width != width))
                throw new WsssInputException(null, $"the image is {width}x{height}, expected {e.Width}x{e.Height} (the CAM's size)");
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var rgba = new byte[(long)width * height * 4];
            SKCodecResult result;
            unsafe
            {
                fixed (byte* p = rgba) result = codec.GetPixels(info, (IntPtr)p);
            }
            // IncompleteInput: the data ended early (libjpeg fills the rest with grey); ErrorInInput: corrupt data.
            if (result != SKCodecResult.Success)
                throw new WsssInputException(null, result == SKCodecResult.IncompleteInput
                    ? "the image file is truncated (the decoder ran out of data)"
                    : $"cannot decode image: {Describe(result)}");
            var pixels = new byte[(long)width * height * 3];
            ToRgb(rgba, pixels);
            return new RgbImage(height, width, pixels);
        }
    }

    /// <summary>A codec over a copy of <paramref name="encoded"/> (Skia reads lazily), with the declared size checked.</summary>
    private static SKCodec Open(ReadOnlySpan<byte> encoded, out SKData data)
    {
        if (encoded.IsEmpty) throw new WsssInputException(null, "cannot decode image: the file is empty");
        data = SKData.CreateCopy(encoded);
        var codec = SKCodec.Create(new SKMemoryStream(data), out var result);
        if (codec is null)
        {
            data.Dispose();
            throw new WsssInputException(null, $"cannot decode image: {Describe(result)}");
        }
        if (ImageLimits.Check(codec.Info.Width, codec.Info.Height) is { } tooLarge)
        {
            codec.Dispose();
            data.Dispose();
            throw new WsssInputException(null, tooLarge);
        }
        return codec;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.Unimplemented => "not a JPEG or PNG image (or an unsupported variant)",
        SKCodecResult.InvalidInput or SKCodecResult.ErrorInInput => "the data is corrupt",
        SKCodecResult.IncompleteInput => "the file is truncated",
        _ => result.ToString(),
    };

    private static void ToRgb(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        var source = MemoryMarshal.Cast<byte, uint>(rgba);
        for (int i = 0, o = 0; i < source.Length; i++, o += 3)
        {
            uint v = source[i];
            rgb[o] = (byte)v;
            rgb[o + 1] = (byte)(v >> 8);
            rgb[o + 2] = (byte)(v >> 16);
        }
    }
}
