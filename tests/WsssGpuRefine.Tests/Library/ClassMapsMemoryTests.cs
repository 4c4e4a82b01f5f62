using System.Buffers;
using System.Runtime.InteropServices;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Tests.Backends.Vulkan;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Tests.Library;

/// <summary>
/// <see cref="ClassMaps"/> over caller-owned <see cref="Memory{T}"/> (the no-copy entry point for tensors): the
/// threshold rule, the score stack and the GPU upload read that memory in place; <see cref="ClassMaps.Data"/> is
/// the array itself when the memory is a whole array, else one copy.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class ClassMapsMemoryTests(VulkanFixture backends)
{
    /// <summary>Native memory, as a libtorch tensor's storage is.</summary>
    private sealed unsafe class NativeFloats(int length) : MemoryManager<float>
    {
        private readonly float* _pointer = (float*)NativeMemory.AllocZeroed((nuint)length, sizeof(float));

        public float* Pointer => _pointer;

        public override Span<float> GetSpan() => new(_pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => NativeMemory.Free(_pointer);
    }

    [Theory, AllBackends]
    public unsafe void Threshold_reads_native_memory_in_place(string backend)
    {
        // 1x4 image, VOC classes 3 and 15, t = 0.15 (the hand-worked case of ThresholdLabelingTests):
        // pixel 0: max 0.15 == t -> bg; pixel 1: tie 0.5/0.5 -> 3; pixel 2: 0.9 -> 15; pixel 3: both below -> bg.
        using var native = new NativeFloats(8);
        new float[] { 0.15f, 0.5f, 0.2f, 0.01f, 0.10f, 0.5f, 0.9f, 0.02f }.CopyTo(native.GetSpan());
        var cams = new ClassMaps([3, 15], 1, 4, native.Memory);
        fixed (float* seen = cams.Values.Span) Assert.True(seen == native.Pointer);
        var rule = new BackgroundRule.Constant(0.15);
        Assert.Equal(new byte[] { 0, 3, 15, 0 }, ThresholdLabeling.Label(backends.Get(backend), [cams], rule)[0].Labels);

        // Writing the caller's memory changes what the same maps give: nothing was copied. Pixel 3 of class 15 -> 0.9.
        native.GetSpan()[7] = 0.9f;
        Assert.Equal(new byte[] { 0, 3, 15, 15 }, ThresholdLabeling.Label(backends.Get(backend), [cams], rule)[0].Labels);
    }

    [Fact]
    public void Score_stack_of_a_memory_slice_equals_the_stack_of_the_same_values_in_an_array()
    {
        // Image 1 of a batch of two 1x2 images with channels [bg, 3, 7]: the slice starts at 6 floats.
        float[] batch = [9, 9, 9, 9, 9, 9, /* image 1: */ 0.8f, 0.1f, 0.2f, 0.6f, 0.4f, 0.05f];
        var sliced = new ClassMaps([0, 3, 7], 1, 2, batch.AsMemory(6, 6));
        var copied = new ClassMaps([0, 3, 7], 1, 2, batch[6..]);
        var rule = new BackgroundRule.Power(2);
        var stack = ScoreLabels.Stack(sliced, rule);
        Assert.Equal(ScoreLabels.Stack(copied, rule).Data, stack.Data);
        // Hand-worked: the stored bg channel is dropped; fg = [0.2, 0.6 | 0.4, 0.05]; bg = (1 - max)^2 = [0.36, 0.16].
        Assert.Equal(new[] { 0, 3, 7 }, stack.LabelIds);
        Assert.Equal(0.36, stack.Data[0], 6);
        Assert.Equal(0.16, stack.Data[1], 6);
        Assert.Equal(new[] { 0.2f, 0.6f, 0.4f, 0.05f }, stack.Data[2..]);
        Assert.Equal(new byte[] { 7, 3 }, ScoreLabels.Label(sliced, rule).Labels);
    }

    [Fact]
    public void Data_is_the_array_itself_for_a_whole_array_and_one_kept_copy_otherwise()
    {
        float[] values = [1, 2, 3, 4];
        Assert.Same(values, new ClassMaps([1], 2, 2, values.AsMemory()).Data);
        Assert.Same(values, new ClassMaps([1], 2, 2, values).Data);

        float[] batch = [0, 1, 2, 3, 4];
        var maps = new ClassMaps([1], 2, 2, batch.AsMemory(1));
        var data = maps.Data;
        Assert.NotSame(batch, data);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, data);
        Assert.Same(data, maps.Data);
        Assert.Equal(new float[] { 3, 4 }, maps.Channel(0)[2..].ToArray());
    }

    [Fact]
    public void Memory_of_the_wrong_length_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassMaps([1, 2], 2, 2, new float[7].AsMemory()));
        Assert.StartsWith("data holds 7 values, not 2x2x2", error.Message);
    }
}
