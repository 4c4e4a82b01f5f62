using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Backends;

/// <summary>
/// One call of an operation (its inputs and where its results go) with one implementation per backend.
/// <see cref="ComputeBackend.Run{TResult}"/> picks the side; a new backend adds a method here, and the compiler
/// then lists every operation that must implement it. Convention: the operation's record lives in <c>Op.cs</c>,
/// <see cref="OnCpu"/> in <c>Op.Cpu.cs</c>, <see cref="OnVulkan"/> in <c>Op.Vulkan.cs</c>.
/// </summary>
internal interface IBackendOperation<out TResult>
{
    /// <summary>The SIMD + threads implementation, spreading its loops over <see cref="ComputeBackend.ParallelOptions"/>.</summary>
    TResult OnCpu(CpuBackend cpu);

    /// <summary>The Vulkan implementation; it may fall back to the CPU code (with the backend's host parallelism) for inputs the device cannot hold.</summary>
    TResult OnVulkan(VulkanBackend vulkan);
}
