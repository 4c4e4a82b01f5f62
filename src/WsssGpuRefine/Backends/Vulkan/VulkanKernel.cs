using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// One compute pipeline: a shader whose bindings 0..N-1 are storage buffers (set 0) and whose push
/// constants are one block of <see cref="PushConstantBytes"/> bytes. Created once per backend and cached.
/// </summary>
internal sealed class VulkanKernel
{
    internal VulkanKernel(string name, int bindingCount, uint pushConstantBytes,
        DescriptorSetLayout setLayout, PipelineLayout layout, Pipeline pipeline)
    {
        Name = name;
        BindingCount = bindingCount;
        PushConstantBytes = pushConstantBytes;
        SetLayout = setLayout;
        Layout = layout;
        Pipeline = pipeline;
    }

    public string Name { get; }
    public int BindingCount { get; }
    public uint PushConstantBytes { get; }
    public DescriptorSetLayout SetLayout { get; }
    public PipelineLayout Layout { get; }
    public Pipeline Pipeline { get; }
}
