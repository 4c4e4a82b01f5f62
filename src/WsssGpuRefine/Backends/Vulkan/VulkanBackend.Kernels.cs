using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace WsssGpuRefine.Backends.Vulkan;

// Compute pipelines built from the embedded SPIR-V, cached by kernel name.
public sealed unsafe partial class VulkanBackend
{
    /// <summary>
    /// The pipeline for the embedded shader <c>shaders/NAME.spv</c>, built on first use. Its push constants are
    /// one <typeparamref name="TPush"/>, the C# twin of the shader's push-constant struct (same fields, same order;
    /// tests/…/Backends/Vulkan/ShaderParameterTests checks every pair).
    /// </summary>
    internal VulkanKernel GetKernel<TPush>(string name, int bindingCount) where TPush : unmanaged
    {
        uint pushConstantBytes = (uint)sizeof(TPush);
        ThrowIfDisposed();
        lock (_lock)
        {
            if (_kernels.TryGetValue(name, out var cached))
            {
                if (cached.BindingCount != bindingCount || cached.PushConstantBytes != pushConstantBytes)
                    throw new InvalidOperationException($"kernel '{name}' was created with another layout");
                return cached;
            }
            var kernel = BuildKernel(name, bindingCount, pushConstantBytes);
            _kernels.Add(name, kernel);
            return kernel;
        }
    }

    internal static byte[] LoadSpirv(string name)
    {
        string resource = $"shaders/{name}.spv";
        using var stream = typeof(VulkanBackend).Assembly.GetManifestResourceStream(resource)
            ?? throw new VulkanBackendException($"kernel '{name}' is not compiled into this build (embedded resource {resource} is missing)");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        if (bytes.Length < 20 || bytes.Length % 4 != 0 || BitConverter.ToUInt32(bytes, 0) != 0x07230203)
            throw new VulkanBackendException($"embedded resource {resource} is not SPIR-V");
        return bytes;
    }

    private VulkanKernel BuildKernel(string name, int bindingCount, uint pushConstantBytes)
    {
        if (pushConstantBytes > Device.Limits.MaxPushConstantsSize || pushConstantBytes % 4 != 0)
            throw new InvalidOperationException($"kernel '{name}': {pushConstantBytes} push-constant bytes are not supported");
        var code = LoadSpirv(name);
        ShaderModule module;
        fixed (byte* p = code)
        {
            var moduleInfo = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)code.Length,
                PCode = (uint*)p,
            };
            _vk.CreateShaderModule(_device, &moduleInfo, null, &module).Check($"loading kernel '{name}'", Device.Name);
        }

        DescriptorSetLayout setLayout = default;
        PipelineLayout layout = default;
        try
        {
            var bindings = stackalloc DescriptorSetLayoutBinding[bindingCount];
            for (int i = 0; i < bindingCount; i++)
                bindings[i] = new DescriptorSetLayoutBinding
                {
                    Binding = (uint)i,
                    DescriptorType = DescriptorType.StorageBuffer,
                    DescriptorCount = 1,
                    StageFlags = ShaderStageFlags.ComputeBit,
                };
            var setInfo = new DescriptorSetLayoutCreateInfo
            {
                SType = StructureType.DescriptorSetLayoutCreateInfo,
                BindingCount = (uint)bindingCount,
                PBindings = bindings,
            };
            _vk.CreateDescriptorSetLayout(_device, &setInfo, null, &setLayout).Check($"creating kernel '{name}'", Device.Name);

            var range = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = pushConstantBytes };
            var layoutInfo = new PipelineLayoutCreateInfo
            {
                SType = StructureType.PipelineLayoutCreateInfo,
                SetLayoutCount = 1,
                PSetLayouts = &setLayout,
                PushConstantRangeCount = pushConstantBytes > 0 ? 1u : 0u,
                PPushConstantRanges = pushConstantBytes > 0 ? &range : null,
            };
            _vk.CreatePipelineLayout(_device, &layoutInfo, null, &layout).Check($"creating kernel '{name}'", Device.Name);

            var entry = (byte*)SilkMarshal.StringToPtr("main");
            try
            {
                var pipelineInfo = new ComputePipelineCreateInfo
                {
                    SType = StructureType.ComputePipelineCreateInfo,
                    Stage = new PipelineShaderStageCreateInfo
                    {
                        SType = StructureType.PipelineShaderStageCreateInfo,
                        Stage = ShaderStageFlags.ComputeBit,
                        Module = module,
                        PName = entry,
                    },
                    Layout = layout,
                };
                Pipeline pipeline;
                _vk.CreateComputePipelines(_device, _pipelineCache, 1, &pipelineInfo, null, &pipeline)
                    .Check($"building kernel '{name}'", Device.Name);
                _context.ThrowIfValidationErrors($"building kernel '{name}'");
                return new VulkanKernel(name, bindingCount, pushConstantBytes, setLayout, layout, pipeline);
            }
            finally
            {
                SilkMarshal.Free((nint)entry);
            }
        }
        catch
        {
            if (layout.Handle != 0) _vk.DestroyPipelineLayout(_device, layout, null);
            if (setLayout.Handle != 0) _vk.DestroyDescriptorSetLayout(_device, setLayout, null);
            throw;
        }
        finally
        {
            // A pipeline keeps what it needs; the module is only read while building it.
            _vk.DestroyShaderModule(_device, module, null);
        }
    }
}
