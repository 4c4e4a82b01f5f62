using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

/// <summary>
/// GPU side of the dense CRF: shaders/crf_splat.hlsl, crf_blur.hlsl and crf_slice_softmax.hlsl.
/// </summary>
/// <remarks>
/// The lattice is built on the CPU (as for the CPU path, once per image and kernel) and uploaded:
/// its hash table is a serial, branchy structure that costs a fraction of the ten iterations, while
/// the iterations are regular gathers that the GPU runs well. Splat is a gather over a host-built
/// transposed corner list because core Vulkan 1.1 has no float atomics. All iterations are
/// recorded into one command buffer and submitted once. Results match the CPU path to float
/// rounding (summation order and exp differ), not bit for bit.
/// </remarks>
internal static class CrfVulkan
{
    private const uint GroupSize = 256;

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_splat")]
    private struct SplatParams
    {
        public uint VertexCount, Labels, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_blur")]
    private struct BlurParams
    {
        public uint VertexCount, Labels, AxisOffset, GroupsX;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_slice_softmax")]
    private struct SliceParams
    {
        public uint Pixels, Labels, KernelCount, GroupsX, Corners0, Corners1;
        public float Compat0, Compat1;
    }

    /// <summary>Whether every buffer of this CRF fits the device; otherwise the CPU path runs.</summary>
    public static bool Fits(VulkanBackend vk, CrfImage image, int labels)
    {
        ulong largest = (ulong)image.PixelCount * (ulong)labels * 4;
        foreach (var kernel in new[] { image.Gaussian, image.Bilateral })
        {
            if (kernel is null) continue;
            var lattice = kernel.Lattice;
            largest = Math.Max(largest, (ulong)(lattice.VertexCount + 1) * (ulong)labels * 4);
            largest = Math.Max(largest, (ulong)lattice.Offsets.Length * 4);
            largest = Math.Max(largest, (ulong)lattice.BlurNeighbors.Length * 4);
        }
        return largest <= vk.MaxBufferBytes && largest < uint.MaxValue;
    }

    /// <summary>
    /// Runs one CRF per unary (all on the same image and kernels): the lattice is uploaded once and
    /// every CRF is recorded into the same submission.
    /// </summary>
    public static CrfResult[] Run(VulkanBackend vk, IReadOnlyList<CrfUnary> unaries,
        IReadOnlyList<(CrfKernel Kernel, float Compat)> kernels, int iterations, float? unsureBelow)
    {
        if (unaries.Count == 0) return [];
        int px = unaries[0].PixelCount;
        int maxLabels = unaries.Max(u => u.LabelCount);
        if (kernels.Count > 2) throw new ArgumentException("at most two kernels", nameof(kernels));
        var splat = vk.GetKernel<SplatParams>("crf_splat", 5);
        var blur = vk.GetKernel<BlurParams>("crf_blur", 3);
        var slice = vk.GetKernel<SliceParams>("crf_slice_softmax", 8);
        uint maxGroups = Math.Min(vk.Device.Limits.MaxComputeWorkGroupCountX, 65535u);

        var stream = vk.RentStream();
        using var rented = new BufferRentals(vk);
        try
        {
            long packStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var dummy = rented.Rent(VulkanBufferAccess.ReadOnly, 16);
            var gpuKernels = new GpuKernel[kernels.Count];
            for (int k = 0; k < kernels.Count; k++)
            {
                var kernel = kernels[k].Kernel;
                var lattice = kernel.Lattice;
                var gather = kernel.Gather;
                int rows = lattice.VertexCount + 1;
                var g = new GpuKernel
                {
                    Lattice = lattice,
                    Compat = kernels[k].Compat,
                    Offsets = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)lattice.Offsets.Length * 4),
                    Slice = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)kernel.SliceWeights.Length * 4),
                    Start = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)gather.Start.Length * 4),
                    Pixel = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)gather.Pixel.Length * 4),
                    Weight = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)gather.Weight.Length * 4),
                    Neighbours = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)lattice.BlurNeighbors.Length * 4),
                    ValuesA = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)rows * (ulong)maxLabels * 4),
                    ValuesB = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)rows * (ulong)maxLabels * 4),
                };
                stream.Upload<int>(g.Offsets, 0, lattice.Offsets);
                stream.Upload<float>(g.Slice, 0, kernel.SliceWeights);
                stream.Upload<uint>(g.Start, 0, gather.Start);
                stream.Upload<uint>(g.Pixel, 0, gather.Pixel);
                stream.Upload<float>(g.Weight, 0, gather.Weight);
                stream.Upload<int>(g.Neighbours, 0, lattice.BlurNeighbors);
                gpuKernels[k] = g;
            }

            var downloads = new PendingDownload[unaries.Count];
            uint pixelGroups = Groups(px, maxGroups);
            for (int u = 0; u < unaries.Count; u++)
            {
                var unary = unaries[u];
                int n = unary.LabelCount;
                var negU = rented.Rent(VulkanBufferAccess.ReadOnly, (ulong)px * (ulong)n * 4);
                var q = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)px * (ulong)n * 4);
                var negUSpan = stream.Upload<float>(negU, 0, px * n);
                var energies = unary.Energies;
                for (int l = 0; l < n; l++)
                {
                    int o = l * px;
                    for (int i = 0; i < px; i++) negUSpan[i * n + l] = -energies[o + i];
                }
                foreach (var g in gpuKernels)
                {
                    // Row M of both ping-pong buffers is the zero "missing neighbour" row (at this
                    // CRF's row width); the splat and the blur write only the rows below it.
                    ulong rowBytes = (ulong)n * 4, m = (ulong)g.Lattice.VertexCount;
                    stream.Fill(g.ValuesA, m * rowBytes, rowBytes);
                    stream.Fill(g.ValuesB, m * rowBytes, rowBytes);
                }

                var initial = new SliceParams { Pixels = (uint)px, Labels = (uint)n, KernelCount = 0, GroupsX = pixelGroups };
                stream.Dispatch(slice, [negU, dummy, dummy, dummy, dummy, dummy, dummy, q], initial, pixelGroups);
                for (int it = 0; it < iterations; it++)
                {
                    foreach (var g in gpuKernels)
                    {
                        uint m = (uint)g.Lattice.VertexCount;
                        uint vertexGroups = Groups((long)m * n, maxGroups);
                        stream.Dispatch(splat, [q, g.Start, g.Pixel, g.Weight, g.ValuesA],
                            new SplatParams { VertexCount = m, Labels = (uint)n, GroupsX = vertexGroups }, vertexGroups);
                        var source = g.ValuesA;
                        var target = g.ValuesB;
                        for (int axis = 0; axis <= g.Lattice.Dimension; axis++)
                        {
                            stream.Dispatch(blur, [source, g.Neighbours, target],
                                new BlurParams { VertexCount = m, Labels = (uint)n, AxisOffset = (uint)axis * m, GroupsX = vertexGroups }, vertexGroups);
                            (source, target) = (target, source);
                        }
                        // Commands run in order behind full barriers, so the next iteration's splat
                        // may reuse this buffer after the slice below has read it.
                        g.Blurred = source;
                    }
                    var k0 = gpuKernels.Length > 0 ? gpuKernels[0] : null;
                    var k1 = gpuKernels.Length > 1 ? gpuKernels[1] : null;
                    var args = new SliceParams
                    {
                        Pixels = (uint)px, Labels = (uint)n, KernelCount = (uint)gpuKernels.Length, GroupsX = pixelGroups,
                        Corners0 = (uint)(k0?.Lattice.Dimension + 1 ?? 0), Corners1 = (uint)(k1?.Lattice.Dimension + 1 ?? 0),
                        Compat0 = k0?.Compat ?? 0, Compat1 = k1?.Compat ?? 0,
                    };
                    stream.Dispatch(slice,
                        [negU, k0?.Offsets ?? dummy, k0?.Slice ?? dummy, k0?.Blurred ?? dummy,
                         k1?.Offsets ?? dummy, k1?.Slice ?? dummy, k1?.Blurred ?? dummy, q],
                        args, pixelGroups);
                }
                downloads[u] = stream.Download(q, 0, (ulong)px * (ulong)n * 4);
            }
            vk.AddHostTime(packStart, unpacking: false);
            stream.Submit("crf");

            long unpackStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var results = new CrfResult[unaries.Count];
            float unsure = unsureBelow ?? float.NegativeInfinity;
            for (int u = 0; u < unaries.Count; u++)
            {
                int n = unaries[u].LabelCount;
                var qHost = stream.Read<float>(downloads[u]);
                var marginals = new float[n * px];
                var labels = new byte[px];
                for (int i = 0; i < px; i++)
                {
                    int o = i * n, best = 0;
                    float bestValue = qHost[o];
                    marginals[i] = bestValue;
                    for (int l = 1; l < n; l++)
                    {
                        float v = qHost[o + l];
                        marginals[l * px + i] = v;
                        if (v > bestValue) { bestValue = v; best = l; }
                    }
                    labels[i] = bestValue < unsure ? (byte)255 : (byte)best;
                }
                results[u] = new CrfResult(n, unaries[u].Height, unaries[u].Width, marginals, labels);
            }
            vk.AddHostTime(unpackStart, unpacking: true);
            stream.Reset();
            return results;
        }
        finally
        {
            vk.ReturnStream(stream);
        }
    }

    private static uint Groups(long items, uint maxGroups) =>
        (uint)Math.Clamp((items + GroupSize - 1) / GroupSize, 1, maxGroups);

    private sealed class GpuKernel
    {
        public required PermutohedralLattice Lattice { get; init; }
        public required float Compat { get; init; }
        public required VulkanBuffer Offsets { get; init; }
        public required VulkanBuffer Slice { get; init; }
        public required VulkanBuffer Start { get; init; }
        public required VulkanBuffer Pixel { get; init; }
        public required VulkanBuffer Weight { get; init; }
        public required VulkanBuffer Neighbours { get; init; }
        public required VulkanBuffer ValuesA { get; init; }
        public required VulkanBuffer ValuesB { get; init; }
        public VulkanBuffer? Blurred { get; set; }
    }
}
