namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>A run of pixels of one image that one workgroup row of a dispatch handles.</summary>
internal readonly record struct ImagePiece(int Image, int PixelStart, int PixelCount)
{
    /// <summary>Words of 4 label bytes the piece occupies (its bytes start on a word boundary).</summary>
    public int Words => (PixelCount + 3) / 4;
}

/// <summary>
/// Cuts a batch of images into dispatches: each chunk's per-pixel buffers stay within the backend's
/// buffer limit, its piece count within the workgroup-count limit and its pixel count within what
/// 32-bit counters can hold. An image too big for one chunk is split into pieces that start on a
/// multiple of 4 pixels, so byte label maps stay word-aligned.
/// </summary>
internal static class VulkanImageBatches
{
    public const int GroupSize = 256;

    /// <param name="pixelCount">pixels of image i</param>
    /// <param name="bytesPerPixel">bytes image i needs per pixel in the fullest buffer (at least 1)</param>
    /// <param name="capacityBytes">the largest buffer a kernel may bind</param>
    /// <param name="maxPieces">most pieces (workgroup rows) per dispatch</param>
    /// <param name="maxPixels">most pixels per dispatch</param>
    public static List<ImagePiece[]> Plan(int imageCount, Func<int, int> pixelCount, Func<int, long> bytesPerPixel,
        ulong capacityBytes, int maxPieces, long maxPixels)
    {
        var chunks = new List<ImagePiece[]>();
        var current = new List<ImagePiece>();
        long used = 0, pixels = 0;
        long capacity = (long)Math.Min(capacityBytes, long.MaxValue);

        void Flush()
        {
            if (current.Count == 0) return;
            chunks.Add(current.ToArray());
            current.Clear();
            used = 0;
            pixels = 0;
        }

        for (int image = 0; image < imageCount; image++)
        {
            int n = pixelCount(image);
            long bpp = Math.Max(1, bytesPerPixel(image));
            int start = 0;
            while (start < n)
            {
                int remaining = n - start;
                long fitByBytes = (capacity - used) / bpp;
                long fit = Math.Min(fitByBytes, maxPixels - pixels) & ~3L;
                int take;
                if (RoundUp4(remaining) <= fit) take = remaining;
                else if (fit >= 4) take = (int)Math.Min(fit, int.MaxValue & ~3);
                else
                {
                    if (current.Count == 0)
                        throw new InvalidOperationException($"a buffer of {capacityBytes} bytes cannot hold 4 pixels of {bpp} bytes");
                    Flush();
                    continue;
                }
                current.Add(new ImagePiece(image, start, take));
                used += RoundUp4(take) * bpp;
                pixels += RoundUp4(take);
                start += take;
                if (current.Count >= maxPieces) Flush();
            }
        }
        Flush();
        return chunks;
    }

    public static long RoundUp4(long n) => (n + 3) & ~3L;

    /// <summary>Workgroups along x so each thread handles about <paramref name="itemsPerThread"/> items of the largest piece.</summary>
    public static uint GroupsX(long largestPieceItems, int itemsPerThread, uint maxGroups)
    {
        long perGroup = (long)GroupSize * itemsPerThread;
        long groups = Math.Max(1, (largestPieceItems + perGroup - 1) / perGroup);
        return (uint)Math.Min(groups, maxGroups);
    }

    /// <summary>The most pieces one dispatch may carry on <paramref name="vk"/> (one workgroup row each).</summary>
    public static int MaxPieces(VulkanBackend vk) => (int)Math.Min(vk.Device.Limits.MaxComputeWorkGroupCountY, 65535u);
}
