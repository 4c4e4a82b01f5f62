using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Confusion;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Backends.Vulkan;

[Collection(VulkanCollection.Name)]
public sealed class VulkanBackendTests(VulkanFixture fixture)
{
    [VulkanFact]
    public void Every_shader_is_embedded_as_spirv()
    {
        var names = ShaderParameterTests.Shaders.Select(row => (string)row[0]).ToList();
        Assert.Contains("threshold_confusion", names);
        foreach (var name in names)
        {
            var code = VulkanBackend.LoadSpirv(name);
            Assert.Equal(0x07230203u, BitConverter.ToUInt32(code, 0));
        }
    }

    [VulkanFact]
    public void Unknown_kernel_is_a_clear_error()
    {
        var error = Assert.Throws<VulkanBackendException>(() => fixture.Backend.GetKernel<uint>("no_such_kernel", 1));
        Assert.Contains("'no_such_kernel' is not compiled into this build", error.Message);
    }

    [VulkanFact]
    public void Staging_is_used_where_asked_and_on_discrete_gpus_only()
    {
        Assert.True(fixture.Staging.UsesStaging);
        Assert.Equal(fixture.Backend.Device.Type == VulkanDeviceType.DiscreteGpu, fixture.Backend.UsesStaging);
        Assert.Equal(4096UL, fixture.TinyChunks.MaxBufferBytes);
        Assert.True(fixture.Backend.MaxBufferBytes <= fixture.Backend.Device.Limits.MaxStorageBufferRange);
    }

    [VulkanFact]
    public void Repeated_calls_reuse_buffers_and_disposal_releases_everything()
    {
        var rng = new Random(21);
        var batch = RandomData.CamBatch(rng);
        using var vk = VulkanBackend.Create(new VulkanBackendOptions
        {
            DeviceNameContains = fixture.Backend.Device.Name, DebugMessenger = true, ForceStaging = true,
        });
        var first = ThresholdLabeling.Label(vk, batch, new BackgroundRule.Constant(0.3));
        int buffersAfterFirst = vk.LiveBufferCount;
        Assert.True(buffersAfterFirst > 0);
        for (int i = 0; i < 3; i++)
        {
            var again = ThresholdLabeling.Label(vk, batch, new BackgroundRule.Constant(0.3));
            Assert.Equal(first.Select(l => l.Labels), again.Select(l => l.Labels));
        }
        Assert.Equal(buffersAfterFirst, vk.LiveBufferCount);
        vk.Dispose();
        Assert.Equal(0, vk.LiveBufferCount);
        Assert.Throws<ObjectDisposedException>(() => ThresholdLabeling.Label(vk, batch, new BackgroundRule.Constant(0.3)));
        vk.Dispose(); // idempotent
    }

    [VulkanFact]
    public void Timings_split_transfers_from_compute()
    {
        var rng = new Random(23);
        var batch = RandomData.CamBatch(rng);
        using var vk = VulkanBackend.Create(new VulkanBackendOptions
        {
            DeviceNameContains = fixture.Backend.Device.Name, DebugMessenger = true, ForceStaging = true, MaxChunkBytes = 1 << 16,
        });
        ThresholdLabeling.Label(vk, batch, new BackgroundRule.Constant(0.3));
        var t = vk.Timings;
        Assert.True(t.Submissions > 1, "64 KiB chunks need several submissions");
        Assert.True(t.HostPackMs > 0 && t.HostUnpackMs > 0 && t.SubmitWaitMs > 0);
        if (t.HasGpuTimestamps)
            Assert.True(t.GpuUploadMs > 0 && t.GpuComputeMs > 0 && t.GpuReadbackMs > 0, t.ToString());
        vk.ResetTimings();
        Assert.Equal(0, vk.Timings.Submissions);
        Assert.Equal(0, vk.Timings.TransferMs);
    }

    [VulkanFact]
    public void One_backend_serves_several_threads_at_once()
    {
        var rng = new Random(24);
        var batches = Enumerable.Range(0, 6).Select(_ => RandomData.CamBatch(rng)).ToArray();
        var expected = batches.Select(b => ThresholdLabeling.Label(new WsssGpuRefine.Backends.CpuBackend(1), b, new BackgroundRule.Constant(0.4))).ToArray();
        var actual = new LabelMap[batches.Length][];
        Parallel.For(0, batches.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 },
            i => actual[i] = ThresholdLabeling.Label(fixture.TinyChunks, batches[i], new BackgroundRule.Constant(0.4)));
        for (int i = 0; i < batches.Length; i++)
            Assert.Equal(expected[i].Select(l => l.Labels), actual[i].Select(l => l.Labels));
    }

    [VulkanFact]
    public void Backends_on_the_same_device_agree()
    {
        var rng = new Random(22);
        var pairs = Enumerable.Range(0, 5).Select(_ => new LabelPair(RandomData.Labels(rng, 33, 65, 21), RandomData.Labels(rng, 33, 65, 21))).ToList();
        var a = ConfusionCounting.Count(fixture.Backend, pairs, new ConfusionOptions());
        var b = ConfusionCounting.Count(fixture.Staging, pairs, new ConfusionOptions());
        var c = ConfusionCounting.Count(fixture.TinyChunks, pairs, new ConfusionOptions());
        Assert.Equal(a.Counts, b.Counts);
        Assert.Equal(a.Counts, c.Counts);
        // Every pixel with gt != 255 is counted once (pred 255 counts as background by default).
        long valid = pairs.Sum(p => p.GroundTruth.Labels.Count(g => g != LabelMap.Ignore));
        Assert.Equal(valid, a.Total);
    }
}
