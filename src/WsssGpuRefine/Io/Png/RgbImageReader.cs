using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Png;

/// <summary>
/// Reads JPEG/PNG images as 8-bit RGB for the CRF. EXIF orientation is not applied, matching
/// PIL/cv2 in the seed methods. PNGs are exact. JPEGs without chroma subsampling match libjpeg (PIL/cv2)
/// within 2 levels; 4:2:0 JPEGs (VOC's) differ by about 4 levels on average near colour edges, because
/// ImageSharp does not do libjpeg's triangular ("fancy") chroma upsampling (see JpegDecoderParityTests).
/// </summary>
public static class RgbImageReader
{
    public static RgbImage Read(string path)
    {
        try
        {
            using var image = Image.Load<Rgb24>(path);
            return FromImage(image);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException)
        {
            throw new WsssInputException(path, $"cannot decode image: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WsssInputException(path, $"cannot read: {e.Message}", e);
        }
    }

    public static RgbImage Decode(ReadOnlySpan<byte> encoded)
    {
        try
        {
            using var image = Image.Load<Rgb24>(encoded);
            return FromImage(image);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException)
        {
            throw new WsssInputException(null, $"cannot decode image: {e.Message}", e);
        }
    }

    private static RgbImage FromImage(Image<Rgb24> image)
    {
        var pixels = new byte[image.Width * image.Height * 3];
        int width = image.Width;
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < accessor.Height; y++)
            {
                var row = System.Runtime.InteropServices.MemoryMarshal.AsBytes(accessor.GetRowSpan(y));
                row.CopyTo(pixels.AsSpan(y * width * 3, width * 3));
            }
        });
        return new RgbImage(image.Height, image.Width, pixels);
    }
}
