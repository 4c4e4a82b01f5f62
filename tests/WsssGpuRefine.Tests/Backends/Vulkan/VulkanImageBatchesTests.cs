using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

public sealed class VulkanImageBatchesTests
{
    [Fact]
    public void Small_images_share_one_chunk()
    {
        int[] pixels = [1, 35, 8];
        var chunks = VulkanImageBatches.Plan(3, i => pixels[i], _ => 4, 1 << 20, 100, long.MaxValue);
        var chunk = Assert.Single(chunks);
        Assert.Equal([new ImagePiece(0, 0, 1), new ImagePiece(1, 0, 35), new ImagePiece(2, 0, 8)], chunk);
    }

    [Fact]
    public void Large_image_is_split_into_word_aligned_pieces()
    {
        // 64-byte buffers at 4 bytes per pixel hold 16 pixels: a 37-pixel image needs 3 pieces (16, 16, 5).
        var chunks = VulkanImageBatches.Plan(1, _ => 37, _ => 4, 64, 100, long.MaxValue);
        Assert.Equal(3, chunks.Count);
        Assert.Equal(new ImagePiece(0, 0, 16), Assert.Single(chunks[0]));
        Assert.Equal(new ImagePiece(0, 16, 16), Assert.Single(chunks[1]));
        Assert.Equal(new ImagePiece(0, 32, 5), Assert.Single(chunks[2]));
    }

    [Fact]
    public void Pieces_fill_the_rest_of_a_chunk_and_cover_every_pixel_once()
    {
        int[] pixels = [10, 1, 513 * 257, 7, 0, 6];
        long[] bpp = [4, 8, 12, 1, 4, 80];
        var chunks = VulkanImageBatches.Plan(pixels.Length, i => pixels[i], i => bpp[i], 4096, 5, 3000);
        var covered = pixels.Select(n => new int[n]).ToArray();
        foreach (var chunk in chunks)
        {
            Assert.InRange(chunk.Length, 1, 5);
            long bytes = chunk.Sum(p => VulkanImageBatches.RoundUp4(p.PixelCount) * bpp[p.Image]);
            Assert.True(bytes <= 4096, $"chunk uses {bytes} bytes");
            Assert.True(chunk.Sum(p => VulkanImageBatches.RoundUp4(p.PixelCount)) <= 3000);
            foreach (var p in chunk)
            {
                Assert.Equal(0, p.PixelStart % 4);
                for (int i = p.PixelStart; i < p.PixelStart + p.PixelCount; i++) covered[p.Image][i]++;
            }
        }
        Assert.All(covered, c => Assert.All(c, n => Assert.Equal(1, n)));
    }

    [Fact]
    public void Group_count_is_bounded_by_the_device_limit()
    {
        Assert.Equal(1u, VulkanImageBatches.GroupsX(1, 1, 65535));
        Assert.Equal(2u, VulkanImageBatches.GroupsX(257, 1, 65535));
        Assert.Equal(65535u, VulkanImageBatches.GroupsX(1L << 40, 1, 65535));
    }
}
