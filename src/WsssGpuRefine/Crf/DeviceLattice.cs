using System.Runtime.InteropServices;
using WsssGpuRefine.Backends.Vulkan;

namespace WsssGpuRefine.Crf;

/// <summary>
/// One kernel's permutohedral lattice held on the device, in the form the mean-field kernels read
/// (shaders/crf_splat.hlsl, crf_blur.hlsl, crf_slice_softmax.hlsl): per pixel corner a vertex id and a
/// slice weight, the transposed splat (per vertex its corners, pixels ascending, with their splat
/// weights) and the blur neighbours. <see cref="Build"/> makes it on the device from the features
/// (shaders/crf_lattice_*.hlsl); <see cref="Upload"/> copies a CPU-built <see cref="CrfKernel"/>.
/// </summary>
/// <remarks>
/// The device build gives the CPU's vertex set and neighbour relation (same float32 operations, same
/// 16-bit keys) but numbers the vertices in the order its atomics give, not in order of first
/// appearance. Nothing depends on the numbering: every sum (splat, blur, slice) runs in an order fixed
/// by pixels and axes, so a build is reproducible run to run. The normalisation's filter of ones is
/// summed in the GPU splat's order, so norms may differ from the CPU's in the last bit.
/// Steps (one dispatch each, in one command stream; every dispatch waits for the one before):
/// keys (per pixel: barycentric weights and corner keys) → insert (per corner: claim or find the key's
/// slot with one 32-bit compare-and-swap of the corner index) → number (claiming corners take vertex ids)
/// → assign (corner vertex ids, corners per vertex); the vertex count is read back; then scan (CSR row
/// starts) → fill (corners into their rows) → rank (rows in pixel order: each corner counts the smaller ones in
/// its row, one thread per corner) → entries (pixels and barycentric weights) → segments (each row cut into
/// splat segments of at most <see cref="SegmentLength"/> corners: counts, scan, begins) → neighbours → the filter of
/// ones through crf_splat/crf_splat_rows/crf_blur → normalise (splat and slice weights) → entries (splat weights).
/// Each scan (row starts, segment starts) is three dispatches: block sums of 1024 counts, one workgroup scanning
/// the block sums, then every block's starts.
/// </remarks>
internal sealed class DeviceLattice : IDisposable
{
    private const uint GroupSize = 256;
    private readonly VulkanBackend _vk;
    private bool _disposed;

    private DeviceLattice(VulkanBackend vk, int dimension, int pixelCount, int vertexCount, VulkanBuffer offsets, VulkanBuffer barycentric,
        VulkanBuffer slice, VulkanBuffer start, VulkanBuffer pixel, VulkanBuffer weight, VulkanBuffer neighbours,
        VulkanBuffer segmentStart, VulkanBuffer segmentBegin)
    {
        SegmentStart = segmentStart;
        SegmentBegin = segmentBegin;
        SegmentSlots = SlotsForSegments(vertexCount, (long)pixelCount * (dimension + 1));
        _vk = vk;
        Dimension = dimension;
        PixelCount = pixelCount;
        VertexCount = vertexCount;
        Offsets = offsets;
        Barycentric = barycentric;
        Slice = slice;
        Start = start;
        Pixel = pixel;
        Weight = weight;
        Neighbours = neighbours;
    }

    public int Dimension { get; }
    public int PixelCount { get; }
    /// <summary>Whether the buffers went back to the backend (tests of the Gaussian cache's leases).</summary>
    internal bool IsDisposed => _disposed;
    public int VertexCount { get; }
    /// <summary>Vertex id of pixel i's r-th corner at [i·(d+1) + r].</summary>
    public VulkanBuffer Offsets { get; }
    /// <summary>Barycentric weight of that corner.</summary>
    public VulkanBuffer Barycentric { get; }
    /// <summary>Barycentric weight × alpha × norm of the corner's pixel.</summary>
    public VulkanBuffer Slice { get; }
    /// <summary>CSR row starts of the transposed splat, VertexCount + 1.</summary>
    public VulkanBuffer Start { get; }
    /// <summary>Pixel of each CSR entry (ascending within a row).</summary>
    public VulkanBuffer Pixel { get; }
    /// <summary>Splat weight (barycentric × norm) of each CSR entry.</summary>
    public VulkanBuffer Weight { get; }
    /// <summary>Per axis j and vertex v at (j·M + v)·2: the two blur neighbours, M when missing.</summary>
    public VulkanBuffer Neighbours { get; }
    /// <summary>Vertex v's splat segments are [SegmentStart[v], SegmentStart[v+1]), VertexCount + 1 entries.</summary>
    public VulkanBuffer SegmentStart { get; }
    /// <summary>The CSR entry each splat segment begins at, <see cref="SegmentSlots"/> + 1 entries (unused slots empty).</summary>
    public VulkanBuffer SegmentBegin { get; }
    /// <summary>Room for the most segments there can be: every vertex one, plus one per <see cref="SegmentLength"/> corners.</summary>
    public long SegmentSlots { get; }

    /// <summary>
    /// The most corners one splat thread sums (crf_splat.hlsl): a vertex's row is cut into segments this long, summed
    /// side by side and then added in order (crf_splat_rows.hlsl), so a vertex with thousands of corners is no
    /// serial tail.
    /// </summary>
    internal const int SegmentLength = 64;

    internal static long SlotsForSegments(long vertexCount, long corners) => vertexCount + (corners + SegmentLength - 1) / SegmentLength;

    /// <summary>
    /// The splat segments of CSR rows <paramref name="rowStart"/> (VertexCount + 1) as the device writes them: the
    /// per-vertex segment starts and, for <paramref name="slots"/> slots plus one, the entry each segment begins at.
    /// </summary>
    internal static (uint[] SegmentStart, uint[] SegmentBegin) HostSegments(uint[] rowStart, long slots)
    {
        int m = rowStart.Length - 1;
        var segmentStart = new uint[m + 1];
        for (int v = 0; v < m; v++)
            segmentStart[v + 1] = segmentStart[v] + Math.Max(1u, (rowStart[v + 1] - rowStart[v] + SegmentLength - 1) / SegmentLength);
        var segmentBegin = new uint[slots + 1];
        Array.Fill(segmentBegin, rowStart[m]);
        for (int v = 0; v < m; v++)
            for (uint j = 0; j < segmentStart[v + 1] - segmentStart[v]; j++)
                segmentBegin[segmentStart[v] + j] = rowStart[v] + j * SegmentLength;
        return (segmentStart, segmentBegin);
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_keys")]
    private struct KeyParams
    {
        public uint Pixels, Dimension, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_insert")]
    private struct InsertParams
    {
        public uint Corners, SlotMask, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_number")]
    private struct NumberParams
    {
        public uint Corners, GroupsX, Pad0, Pad1;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_assign")]
    private struct AssignParams
    {
        public uint Corners, GroupsX, Pad0, Pad1;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_neighbours")]
    private struct NeighbourParams
    {
        public uint VertexCount, Dimension, SlotMask, GroupsX;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_scan_blocks")]
    private struct ScanBlockParams
    {
        public uint Count, Blocks, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_scan_write")]
    private struct ScanWriteParams
    {
        public uint Count, Blocks, GroupsX, Pad0;
    }

    /// <summary>Counts one workgroup of crf_lattice_scan_blocks / crf_lattice_scan_write covers (256 threads x 4).</summary>
    private const int ScanBlock = 1024;

    /// <summary>
    /// Records starts[i] = counts[0] + ... + counts[i-1] for i in 0..count (starts has count + 1 entries): block sums,
    /// the block sums scanned in one workgroup, then each block's starts.
    /// </summary>
    private static void Scan(VulkanBackend vk, VulkanCommandStream stream, BufferRentals temporary, VulkanBuffer counts, VulkanBuffer starts,
        int count, uint maxGroups)
    {
        uint blocks = (uint)((count + ScanBlock - 1) / ScanBlock);
        var totals = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)blocks * 4);
        var blockStarts = temporary.Rent(VulkanBufferAccess.ReadWrite, ((ulong)blocks + 1) * 4);
        uint groups = Math.Clamp(blocks, 1, maxGroups);
        stream.Dispatch(vk.GetKernel<ScanBlockParams>("crf_lattice_scan_blocks", 2), [counts, totals],
            new ScanBlockParams { Count = (uint)count, Blocks = blocks, GroupsX = groups }, groups);
        stream.Dispatch(vk.GetKernel<ScanParams>("crf_lattice_scan", 2), [totals, blockStarts], new ScanParams { Count = blocks }, 1);
        stream.Dispatch(vk.GetKernel<ScanWriteParams>("crf_lattice_scan_write", 3), [counts, blockStarts, starts],
            new ScanWriteParams { Count = (uint)count, Blocks = blocks, GroupsX = groups }, groups);
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_scan")]
    private struct ScanParams
    {
        public uint Count, Pad0, Pad1, Pad2;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_fill")]
    private struct FillParams
    {
        public uint Corners, GroupsX, Pad0, Pad1;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_rank")]
    private struct RankParams
    {
        public uint Corners, GroupsX, Pad0, Pad1;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_entries")]
    private struct EntryParams
    {
        public uint Entries, Corners, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_segment_count")]
    private struct SegmentCountParams
    {
        public uint VertexCount, SegmentLength, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_segments")]
    private struct SegmentParams
    {
        public uint VertexCount, SegmentLength, GroupsX, Pad0;
    }

    [StructLayout(LayoutKind.Sequential), PushConstants("crf_lattice_normalise")]
    private struct NormaliseParams
    {
        public uint Pixels, Corners, GroupsX;
        public float Alpha;
    }

    /// <summary>Hash-table slots for <paramref name="corners"/> corners: a power of two above the most vertices there can be.</summary>
    private static ulong SlotCount(long corners) => System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)corners + 1);

    /// <summary>Whether the build's buffers for <paramref name="pixels"/> pixels fit the device (the neighbours are checked once the vertex count is known).</summary>
    public static bool BuildFits(VulkanBackend vk, long pixels, int dimension)
    {
        long corners = pixels * (dimension + 1);
        ulong largest = Math.Max((ulong)corners * 16, SlotCount(corners) * 4);
        return largest <= vk.MaxBufferBytes && largest < uint.MaxValue && corners < int.MaxValue / 2;
    }

    /// <summary>
    /// Builds the lattice of <paramref name="features"/> (pixel-major (N, d)) on the device: two submissions, the
    /// second sized by the vertex count the first reads back. Null when a buffer would not fit the device.
    /// </summary>
    public static DeviceLattice? Build(VulkanBackend vk, float[] features, int dimension)
    {
        var scale = PermutohedralLattice.CheckedScale(features, dimension);
        int n = features.Length / dimension, d1 = dimension + 1;
        if (n == 0 || !BuildFits(vk, n, dimension)) return null;
        long corners = (long)n * d1;
        ulong slots = SlotCount(corners);
        uint maxGroups = Math.Min(vk.Device.Limits.MaxComputeWorkGroupCountX, 65535u);
        var keyKernel = vk.GetKernel<KeyParams>("crf_lattice_keys", 4);
        var insert = vk.GetKernel<InsertParams>("crf_lattice_insert", 3);
        var number = vk.GetKernel<NumberParams>("crf_lattice_number", 6);
        var assign = vk.GetKernel<AssignParams>("crf_lattice_assign", 4);
        var neighbours = vk.GetKernel<NeighbourParams>("crf_lattice_neighbours", 5);
        var fill = vk.GetKernel<FillParams>("crf_lattice_fill", 4);
        var rank = vk.GetKernel<RankParams>("crf_lattice_rank", 4);
        var entries = vk.GetKernel<EntryParams>("crf_lattice_entries", 4);
        var segmentCount = vk.GetKernel<SegmentCountParams>("crf_lattice_segment_count", 2);
        var segments = vk.GetKernel<SegmentParams>("crf_lattice_segments", 3);
        var normalise = vk.GetKernel<NormaliseParams>("crf_lattice_normalise", 5);
        var blur = vk.GetKernel<CrfVulkan.BlurParams>("crf_blur", 3);

        var kept = new List<VulkanBuffer>(8);
        VulkanBuffer Keep(VulkanBufferAccess access, ulong bytes)
        {
            var b = vk.RentBuffer(access, Math.Max(bytes, 16));
            kept.Add(b);
            return b;
        }
        var stream = vk.RentStream();
        using var temporary = new BufferRentals(vk);
        bool done = false;
        try
        {
            long hostStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var featureBuffer = temporary.Rent(VulkanBufferAccess.ReadOnly, (ulong)features.Length * 4);
            var scaleBuffer = temporary.Rent(VulkanBufferAccess.ReadOnly, (ulong)dimension * 4);
            var barycentric = Keep(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var offsets = Keep(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var slotBuffer = temporary.Rent(VulkanBufferAccess.ReadWrite, slots * 4);
            var slotVertex = temporary.Rent(VulkanBufferAccess.ReadWrite, slots * 4);
            var cornerKeys = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 16);
            var slotOfCorner = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var vertexKeys = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 16);
            var counts = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var counter = temporary.Rent(VulkanBufferAccess.ReadWrite, 16);
            stream.Upload<float>(featureBuffer, 0, features);
            stream.Upload<float>(scaleBuffer, 0, scale);
            stream.Fill(slotBuffer, 0, slots * 4);
            stream.Fill(counts, 0, (ulong)corners * 4);
            stream.Fill(counter, 0, 16);
            uint pixelGroups = Groups(n, maxGroups), cornerGroups = Groups(corners, maxGroups);
            stream.Dispatch(keyKernel, [featureBuffer, scaleBuffer, barycentric, cornerKeys],
                new KeyParams { Pixels = (uint)n, Dimension = (uint)dimension, GroupsX = pixelGroups }, pixelGroups);
            stream.Dispatch(insert, [cornerKeys, slotBuffer, slotOfCorner],
                new InsertParams { Corners = (uint)corners, SlotMask = (uint)(slots - 1), GroupsX = cornerGroups }, cornerGroups);
            stream.Dispatch(number, [cornerKeys, slotBuffer, slotOfCorner, slotVertex, vertexKeys, counter],
                new NumberParams { Corners = (uint)corners, GroupsX = cornerGroups }, cornerGroups);
            stream.Dispatch(assign, [slotOfCorner, slotVertex, offsets, counts],
                new AssignParams { Corners = (uint)corners, GroupsX = cornerGroups }, cornerGroups);
            var countDownload = stream.Download(counter, 0, 4);
            vk.AddHostTime(hostStart, unpacking: false);
            stream.Submit("crf lattice insert");
            int m = checked((int)stream.Read<uint>(countDownload)[0]);
            stream.Reset();

            ulong rows = (ulong)m + 1;
            ulong neighbourBytes = (ulong)d1 * (ulong)m * 8;
            if (neighbourBytes > vk.MaxBufferBytes || neighbourBytes >= uint.MaxValue) return null;

            hostStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var start = Keep(VulkanBufferAccess.ReadWrite, rows * 4);
            var pixel = Keep(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var weight = Keep(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var slice = Keep(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var neighbourBuffer = Keep(VulkanBufferAccess.ReadWrite, neighbourBytes);
            ulong segmentSlots = (ulong)SlotsForSegments(m, corners);
            var segmentStart = Keep(VulkanBufferAccess.ReadWrite, rows * 4);
            var segmentBegin = Keep(VulkanBufferAccess.ReadWrite, (segmentSlots + 1) * 4);
            var partial = temporary.Rent(VulkanBufferAccess.ReadWrite, segmentSlots * 4);
            var entryCorner = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var sortedCorner = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var splatWeights = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)corners * 4);
            var ones = temporary.Rent(VulkanBufferAccess.ReadWrite, (ulong)n * 4);
            var valuesA = temporary.Rent(VulkanBufferAccess.ReadWrite, rows * 4);
            var valuesB = temporary.Rent(VulkanBufferAccess.ReadWrite, rows * 4);
            uint vertexGroups = Groups(m, maxGroups);

            Scan(vk, stream, temporary, counts, start, m, maxGroups);
            stream.Dispatch(fill, [offsets, start, counts, entryCorner], new FillParams { Corners = (uint)corners, GroupsX = cornerGroups }, cornerGroups);
            stream.Dispatch(rank, [offsets, start, entryCorner, sortedCorner], new RankParams { Corners = (uint)corners, GroupsX = cornerGroups }, cornerGroups);
            stream.Dispatch(entries, [sortedCorner, barycentric, pixel, weight],
                new EntryParams { Entries = (uint)corners, Corners = (uint)d1, GroupsX = cornerGroups }, cornerGroups);
            // The splat segments (crf_lattice_segment_count, the scan, crf_lattice_segments); the fill above
            // counted `counts` down to zero, so it holds the per-vertex segment counts now.
            stream.Dispatch(segmentCount, [start, counts], new SegmentCountParams { VertexCount = (uint)m, SegmentLength = SegmentLength, GroupsX = vertexGroups }, vertexGroups);
            Scan(vk, stream, temporary, counts, segmentStart, m, maxGroups);
            stream.Fill(segmentBegin, 0, (segmentSlots + 1) * 4, (uint)corners);
            stream.Dispatch(segments, [start, segmentStart, segmentBegin], new SegmentParams { VertexCount = (uint)m, SegmentLength = SegmentLength, GroupsX = vertexGroups }, vertexGroups);
            var lattice = new DeviceLattice(vk, dimension, n, m, offsets, barycentric, slice, start, pixel, weight, neighbourBuffer, segmentStart, segmentBegin);
            stream.Dispatch(neighbours, [slotBuffer, cornerKeys, slotVertex, vertexKeys, neighbourBuffer],
                new NeighbourParams { VertexCount = (uint)m, Dimension = (uint)dimension, SlotMask = (uint)(slots - 1), GroupsX = vertexGroups }, vertexGroups);

            // The normalisation: the unnormalised filter of ones through the mean field's own splat and blur.
            stream.Fill(ones, 0, (ulong)n * 4, 0x3F800000u);
            stream.Fill(valuesA, (ulong)m * 4, 4);
            stream.Fill(valuesB, (ulong)m * 4, 4);
            CrfVulkan.Splat(vk, stream, lattice, ones, partial, valuesA, labels: 1, maxGroups);
            var source = valuesA;
            var target = valuesB;
            for (int axis = 0; axis <= dimension; axis++)
            {
                stream.Dispatch(blur, [source, neighbourBuffer, target],
                    new CrfVulkan.BlurParams { VertexCount = (uint)m, Labels = 1, AxisOffset = (uint)axis * (uint)m, GroupsX = vertexGroups }, vertexGroups);
                (source, target) = (target, source);
            }
            stream.Dispatch(normalise, [barycentric, offsets, source, splatWeights, slice],
                new NormaliseParams { Pixels = (uint)n, Corners = (uint)d1, GroupsX = pixelGroups, Alpha = PermutohedralLattice.SliceAlphaFor(dimension) }, pixelGroups);
            stream.Dispatch(entries, [sortedCorner, splatWeights, pixel, weight],
                new EntryParams { Entries = (uint)corners, Corners = (uint)d1, GroupsX = cornerGroups }, cornerGroups);
            vk.AddHostTime(hostStart, unpacking: false);
            stream.Submit("crf lattice");
            stream.Reset();
            done = true;
            return lattice;
        }
        finally
        {
            vk.ReturnStream(stream);
            if (!done) foreach (var b in kept) vk.ReturnBuffer(b);
        }
    }

    /// <summary>Copies a CPU-built kernel to the device (the path for a lattice the device build could not hold).</summary>
    public static DeviceLattice Upload(VulkanBackend vk, CrfKernel kernel)
    {
        var lattice = kernel.Lattice;
        var gather = kernel.Gather;
        var kept = new List<VulkanBuffer>(9);
        VulkanBuffer Keep(ulong bytes)
        {
            var b = vk.RentBuffer(VulkanBufferAccess.ReadOnly, Math.Max(bytes, 16));
            kept.Add(b);
            return b;
        }
        var stream = vk.RentStream();
        bool done = false;
        try
        {
            long hostStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var offsets = Keep((ulong)lattice.Offsets.Length * 4);
            var barycentric = Keep((ulong)lattice.Barycentric.Length * 4);
            var slice = Keep((ulong)kernel.SliceWeights.Length * 4);
            var start = Keep((ulong)gather.Start.Length * 4);
            var pixel = Keep((ulong)gather.Pixel.Length * 4);
            var weight = Keep((ulong)gather.Weight.Length * 4);
            var neighbours = Keep((ulong)lattice.BlurNeighbors.Length * 4);
            var (segmentStartHost, segmentBeginHost) = HostSegments(gather.Start, SlotsForSegments(lattice.VertexCount, lattice.Offsets.Length));
            var segmentStart = Keep((ulong)segmentStartHost.Length * 4);
            var segmentBegin = Keep((ulong)segmentBeginHost.Length * 4);
            stream.Upload<uint>(segmentStart, 0, segmentStartHost);
            stream.Upload<uint>(segmentBegin, 0, segmentBeginHost);
            stream.Upload<int>(offsets, 0, lattice.Offsets);
            stream.Upload<float>(barycentric, 0, lattice.Barycentric);
            stream.Upload<float>(slice, 0, kernel.SliceWeights);
            stream.Upload<uint>(start, 0, gather.Start);
            stream.Upload<uint>(pixel, 0, gather.Pixel);
            stream.Upload<float>(weight, 0, gather.Weight);
            stream.Upload<int>(neighbours, 0, lattice.BlurNeighbors);
            vk.AddHostTime(hostStart, unpacking: false);
            stream.Submit("crf lattice upload");
            stream.Reset();
            done = true;
            return new DeviceLattice(vk, lattice.Dimension, lattice.PixelCount, lattice.VertexCount, offsets, barycentric, slice, start, pixel, weight,
                neighbours, segmentStart, segmentBegin);
        }
        finally
        {
            vk.ReturnStream(stream);
            if (!done) foreach (var b in kept) vk.ReturnBuffer(b);
        }
    }

    /// <summary>The lattice's arrays read back, for tests and reports.</summary>
    internal Snapshot Download()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int corners = PixelCount * (Dimension + 1);
        var stream = _vk.RentStream();
        try
        {
            var offsets = stream.Download(Offsets, 0, (ulong)corners * 4);
            var bary = stream.Download(Barycentric, 0, (ulong)corners * 4);
            var slice = stream.Download(Slice, 0, (ulong)corners * 4);
            var start = stream.Download(Start, 0, ((ulong)VertexCount + 1) * 4);
            var pixel = stream.Download(Pixel, 0, (ulong)corners * 4);
            var weight = stream.Download(Weight, 0, (ulong)corners * 4);
            var neighbours = stream.Download(Neighbours, 0, (ulong)(Dimension + 1) * (ulong)VertexCount * 8);
            var segmentStart = stream.Download(SegmentStart, 0, ((ulong)VertexCount + 1) * 4);
            var segmentBegin = stream.Download(SegmentBegin, 0, ((ulong)SegmentSlots + 1) * 4);
            stream.Submit("crf lattice download");
            var snapshot = new Snapshot(VertexCount, stream.Read<int>(offsets).ToArray(), stream.Read<float>(bary).ToArray(),
                stream.Read<float>(slice).ToArray(), stream.Read<uint>(start).ToArray(), stream.Read<uint>(pixel).ToArray(),
                stream.Read<float>(weight).ToArray(), stream.Read<int>(neighbours).ToArray(),
                stream.Read<uint>(segmentStart).ToArray(), stream.Read<uint>(segmentBegin).ToArray());
            stream.Reset();
            return snapshot;
        }
        finally
        {
            _vk.ReturnStream(stream);
        }
    }

    /// <summary>A device lattice's arrays on the host (see the properties of the same names).</summary>
    internal sealed record Snapshot(int VertexCount, int[] Offsets, float[] Barycentric, float[] Slice, uint[] Start, uint[] Pixel,
        float[] Weight, int[] Neighbours, uint[] SegmentStart, uint[] SegmentBegin);

    private static uint Groups(long items, uint maxGroups) =>
        (uint)Math.Clamp((items + GroupSize - 1) / GroupSize, 1, maxGroups);

    /// <summary>Returns the buffers to the backend's pool.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in new[] { Offsets, Barycentric, Slice, Start, Pixel, Weight, Neighbours, SegmentStart, SegmentBegin }) _vk.ReturnBuffer(b);
    }
}
