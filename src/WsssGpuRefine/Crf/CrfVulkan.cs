using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

/// <summary>
/// GPU side of the dense CRF: shaders/crf_splat.hlsl, crf_blur.hlsl and crf_slice_softmax.hlsl.
/// </summary>
/// <remarks>
/// The lattices are built on the device once per image and kernel (<see cref="DeviceLattice.Build"/>,
/// shaders/crf_lattice_*.hlsl: keys and barycentric weights per pixel, a hash table, the blur neighbours,
/// the transposed splat list and the normalisation), so a Vulkan CRF runs lattice build, splat, blur and
/// slice all on the device; only the features (N·d floats) and −U go up and the marginals come back. A lattice
/// the device could not build (buffers too large) is built on the CPU and uploaded here. Splat is a
/// gather over the transposed corner list (pixels ascending per vertex) because core Vulkan 1.1 has no
/// float atomics, in segments of at most <see cref="DeviceLattice.SegmentLength"/> corners added in order
/// (<see cref="Splat"/>). All iterations of all CRFs of the image are recorded into one command buffer and
/// submitted once. Results match the CPU path to float rounding (summation order, exp and the
/// normalisation's rounding differ), not bit for bit: the vertex set, neighbours and barycentric weights
/// are the CPU's exactly.
/// </remarks>
internal static class CrfVulkan
{
    private const uint GroupSize = 256;

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_splat")]
    private struct SplatParams
    {
        public uint Segments, Labels, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_splat_rows")]
    private struct SplatRowsParams
    {
        public uint VertexCount, Labels, GroupsX, Pad0;
    }

    /// <summary>
    /// Records the splat of <paramref name="q"/> (pixel-major, <paramref name="labels"/> per pixel) onto
    /// <paramref name="lattice"/>'s vertices into <paramref name="values"/>: crf_splat sums each segment of each
    /// vertex's corner list into <paramref name="partial"/> (SegmentSlots rows), crf_splat_rows adds a vertex's
    /// segments in order.
    /// </summary>
    internal static void Splat(VulkanBackend vk, VulkanCommandStream stream, DeviceLattice lattice, VulkanBuffer q, VulkanBuffer partial,
        VulkanBuffer values, int labels, uint maxGroups)
    {
        var splat = vk.GetKernel<SplatParams>("crf_splat", 5);
        var rows = vk.GetKernel<SplatRowsParams>("crf_splat_rows", 3);
        uint segmentGroups = Groups(lattice.SegmentSlots * labels, maxGroups);
        stream.Dispatch(splat, [q, lattice.SegmentBegin, lattice.Pixel, lattice.Weight, partial],
            new SplatParams { Segments = (uint)lattice.SegmentSlots, Labels = (uint)labels, GroupsX = segmentGroups }, segmentGroups);
        uint vertexGroups = Groups((long)lattice.VertexCount * labels, maxGroups);
        stream.Dispatch(rows, [partial, lattice.SegmentStart, values],
            new SplatRowsParams { VertexCount = (uint)lattice.VertexCount, Labels = (uint)labels, GroupsX = vertexGroups }, vertexGroups);
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_blur")]
    internal struct BlurParams
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
    public static bool Fits(VulkanBackend vk, int pixelCount, IEnumerable<PreparedKernel> kernels, int labels)
    {
        ulong largest = (ulong)pixelCount * (ulong)labels * 4;
        foreach (var kernel in kernels)
        {
            ulong rows = (ulong)kernel.VertexCount + 1, corners = (ulong)pixelCount * (ulong)(kernel.Dimension + 1);
            largest = Math.Max(largest, rows * (ulong)labels * 4);
            largest = Math.Max(largest, corners * 4);
            largest = Math.Max(largest, (ulong)(kernel.Dimension + 1) * (rows - 1) * 8);
            largest = Math.Max(largest, (ulong)DeviceLattice.SlotsForSegments(kernel.VertexCount, (long)corners) * (ulong)labels * 4);
        }
        return largest <= vk.MaxBufferBytes && largest < uint.MaxValue;
    }

    /// <summary>
    /// Runs one CRF per unary (all on the same image and kernels): the device lattices are shared and
    /// every CRF is recorded into the same submission.
    /// </summary>
    public static CrfResult[] Run(VulkanBackend vk, IReadOnlyList<CrfUnary> unaries,
        IReadOnlyList<(DeviceLattice Lattice, float Compat)> kernels, int iterations, float? unsureBelow)
    {
        if (unaries.Count == 0) return [];
        int px = unaries[0].PixelCount;
        int maxLabels = unaries.Max(u => u.LabelCount);
        if (kernels.Count > 2) throw new ArgumentException("at most two kernels", nameof(kernels));
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
                var lattice = kernels[k].Lattice;
                ulong rows = (ulong)lattice.VertexCount + 1;
                gpuKernels[k] = new GpuKernel
                {
                    Lattice = lattice,
                    Compat = kernels[k].Compat,
                    ValuesA = rented.Rent(VulkanBufferAccess.ReadWrite, rows * (ulong)maxLabels * 4),
                    ValuesB = rented.Rent(VulkanBufferAccess.ReadWrite, rows * (ulong)maxLabels * 4),
                    Partial = rented.Rent(VulkanBufferAccess.ReadWrite, (ulong)lattice.SegmentSlots * (ulong)maxLabels * 4),
                };
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
                        Splat(vk, stream, g.Lattice, q, g.Partial, g.ValuesA, n, maxGroups);
                        var source = g.ValuesA;
                        var target = g.ValuesB;
                        for (int axis = 0; axis <= g.Lattice.Dimension; axis++)
                        {
                            stream.Dispatch(blur, [source, g.Lattice.Neighbours, target],
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
                        [negU, k0?.Lattice.Offsets ?? dummy, k0?.Lattice.Slice ?? dummy, k0?.Blurred ?? dummy,
                         k1?.Lattice.Offsets ?? dummy, k1?.Lattice.Slice ?? dummy, k1?.Blurred ?? dummy, q],
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
        public required DeviceLattice Lattice { get; init; }
        public required float Compat { get; init; }
        public required VulkanBuffer ValuesA { get; init; }
        public required VulkanBuffer ValuesB { get; init; }
        public required VulkanBuffer Partial { get; init; }
        public VulkanBuffer? Blurred { get; set; }
    }
}
