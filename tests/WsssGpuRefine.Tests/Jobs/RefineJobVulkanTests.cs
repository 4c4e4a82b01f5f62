using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Tests.Cli;
using WsssGpuRefine.Tests.Crf;

namespace WsssGpuRefine.Tests.Jobs;

/// <summary>
/// Two images in flight on a Vulkan backend (one's host-side packing and upload while the other's submission runs)
/// must write exactly what one image at a time writes.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class RefineJobVulkanTests(VulkanFixture fixture)
{
    [VulkanFact]
    public void Two_images_in_flight_write_the_same_bytes_as_one_at_a_time()
    {
        Assert.Equal(2, fixture.Backend.ConcurrentImages);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VulkanBackendOptions { ImagesInFlight = 0 });
        using var serial = VulkanBackend.Create(new VulkanBackendOptions
        {
            DeviceNameContains = VulkanDevices.DeviceFilterFromEnvironment(), ImagesInFlight = 1,
        });
        Assert.Equal(1, serial.ConcurrentImages);

        using var tmp = new TempDirectory();
        string cams = tmp.Combine("cams"), images = tmp.Combine("images");
        Directory.CreateDirectory(cams);
        Directory.CreateDirectory(images);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            // Sizes differ per image, so buffers of one image never fit another's by accident.
            int h = 40 + 6 * i, w = 56 + 4 * i;
            var (image, scores) = CrfScenes.Bands(h, w, 3, seed: 11 + i, colourNoise: 10);
            string id = $"im{i}";
            ids.Add(id);
            using (var jpg = File.Create(Path.Combine(images, id + ".jpg"))) SyntheticSampleWriter.WriteJpeg(jpg, image);
            int gh = (h + 3) / 4, gw = (w + 3) / 4;
            using var dump = File.Create(Path.Combine(cams, id + ".npy"));
            SeedDumpWriter.WriteIrn(dump, [0, 4, 9], new float[3 * gh * gw], [3, gh, gw], scores.Data, [3, h, w]);
        }

        string Run(VulkanBackend backend, string name)
        {
            string output = tmp.Combine(name);
            var report = RefineJob.Run(backend, new RefineOptions
            {
                Ids = ids, CamsDirectory = cams, ImagesDirectory = images, OutputDirectory = output,
                Rule = new BackgroundRule.Constant(0.25), Crf = CrfParameters.Preset("irn"), SaveScores = true, BatchSize = 3,
            });
            Assert.Equal(ids.Count, report.Written);
            return output;
        }

        string one = Run(serial, "one"), two = Run(fixture.Backend, "two");
        foreach (string id in ids)
            foreach (string ext in new[] { ".png", ".npy" })
                Assert.True(File.ReadAllBytes(Path.Combine(one, id + ext)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(two, id + ext))),
                    $"{id}{ext} differs between one and two images in flight");
    }
}
