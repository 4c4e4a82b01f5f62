using WsssGpuRefine.Backends;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// One stencil walk, x ← x·T^Steps on values (C, h, w) in place, run by the backend it is handed to: CPU side in
/// StencilWalk.Cpu.cs, GPU side (shaders/random_walk_step.hlsl) in StencilWalk.Vulkan.cs.
/// </summary>
internal sealed partial record StencilWalk(StencilAffinity Stencil, RandomWalkOptions Options, float[] Values, int Channels)
    : IBackendOperation<bool>;
