namespace WsssGpuRefine.Backends.Vulkan;

/// <summary>
/// Marks the C# twin of a shader's push-constant struct (<c>struct Params</c> in <c>shaders/NAME.hlsl</c>): the same
/// fields in the same order with the same 4-byte types, so <see cref="VulkanBackend.GetKernel{TPush}"/> takes its
/// size from <c>sizeof</c>. A test checks every shader against its twin.
/// </summary>
[AttributeUsage(AttributeTargets.Struct)]
internal sealed class PushConstantsAttribute(string shader) : Attribute
{
    /// <summary>The shader's file name without <c>.hlsl</c>.</summary>
    public string Shader { get; } = shader;
}
