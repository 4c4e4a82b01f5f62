using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Crf;

/// <summary>
/// The mean-field inferences of one <see cref="CrfImage"/>, run by the image's backend: CPU side in
/// MeanFieldBatch.Cpu.cs (small CRFs packed two to a joint pass), GPU side in MeanFieldBatch.Vulkan.cs (one submission).
/// </summary>
internal sealed partial record MeanFieldBatch(CrfImage Image, IReadOnlyList<CrfUnary> Unaries,
    IReadOnlyList<(PreparedKernel Kernel, float Compat)> Kernels) : IBackendOperation<CrfResult[]>;
