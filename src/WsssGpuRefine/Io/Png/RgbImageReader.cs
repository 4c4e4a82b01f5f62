using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Png;

/// <summary>
/// Reads JPEG/PNG images as 8-bit RGB for the CRF. EXIF orientation is not applied, matching
/// PIL/cv2 in the seed methods. Baseline JPEGs (4:4:4, 4:2:2, 4:2:0, grayscale) are decoded by
/// <see cref="LibjpegCompatibleDecoder"/>, which gives libjpeg's (PIL's, cv2's) pixels exactly; other
/// JPEGs (progressive, CMYK, ...) and PNGs go through ImageSharp. ImageSharp alone lands ~4 levels away
/// from libjpeg on 4:2:0 JPEGs, because it does not do libjpeg's triangular chroma upsampling.
/// </summary>
public static class RgbImageReader
{
    /// <summary>Reads a JPEG or PNG file as (H, W, 3) RGB bytes, with libjpeg-exact pixels for baseline JPEGs.</summary>
    /// <exception cref="WsssInputException">The file cannot be read or decoded; the exception names the file.</exception>
    public static RgbImage Read(string path)
    {
        return InputFile.Read(path, () => Decode(File.ReadAllBytes(path)));
    }

    /// <summary>Decodes JPEG or PNG bytes; baseline JPEGs go through the libjpeg-exact decoder.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > 2 && encoded[0] == 0xFF && encoded[1] == 0xD8)
        {
            var rgb = LibjpegCompatibleDecoder.TryDecode(encoded, out int width, out int height);
            if (rgb is not null) return new RgbImage(height, width, rgb);
        }
        return DecodeWithImageSharp(encoded);
    }

    private static RgbImage DecodeWithImageSharp(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty) throw new WsssInputException(null, "cannot decode image: the file is empty");
        try
        {
            using var image = Image.Load<Rgb24>(encoded);
            return FromImage(image);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // ImageSharp reports damaged files with assorted exception types (NotSupported, NullReference,
            // IndexOutOfRange, ...); at this boundary every one of them means the input is bad.
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
