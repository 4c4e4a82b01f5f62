using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace WsssGpuRefine.Crf;

/// <summary>
/// The permutohedral lattice of Adams et al. (2010) with the conventions of Krähenbühl's densecrf as
/// pydensecrf ships it: features are elevated onto the d-dimensional hyperplane of R^(d+1) with the
/// scale sqrt(2/3)·(d+1), every point splats onto the d+1 vertices of its enclosing simplex with its
/// barycentric weights, the blur is one unnormalised [0.5, 1, 0.5] pass along each of the d+1 lattice
/// axes (in order 0..d), and the slice multiplies by alpha = 1/(1 + 2^-d). Only relative values
/// matter to the CRF because the symmetric normalisation divides the overall scale out.
/// </summary>
/// <remarks>
/// Built once per (image, kernel) and reused for every iteration and every label CRF of that image.
/// The splat scatters pixel-major (the pixel signal is read once, sequentially) into one partial
/// vertex buffer per pixel chunk, then the partials are summed per vertex: no atomics, and the
/// vertex buffers are small enough to stay in cache while the pixel signal streams. Blur and slice
/// are gathers. Vertex ids are assigned in order of first appearance in pixel order, as in the
/// reference.
/// </remarks>
internal sealed class PermutohedralLattice
{
    /// <summary>Packed keys hold at most 6 coordinates: four 16-bit lanes in a 64-bit word, two in a 32-bit one.</summary>
    public const int MaxDimension = 6;

    private PermutohedralLattice(int dimension, int pixelCount)
    {
        Dimension = dimension;
        PixelCount = pixelCount;
        int entries = pixelCount * (dimension + 1);
        // Every entry is written by the build: reused or uninitialised arrays, no zeroing pass over fresh pages.
        Offsets = ImageArrays.Rent<int>(entries);
        Barycentric = ImageArrays.Rent<float>(entries);
        BlurNeighbors = [];
    }

    public int Dimension { get; }
    public int PixelCount { get; }
    public int VertexCount { get; private set; }
    /// <summary>Vertex id of pixel i's r-th simplex corner at [i·(d+1) + r].</summary>
    public int[] Offsets { get; }
    /// <summary>Barycentric weight of that corner, laid out like <see cref="Offsets"/>.</summary>
    public float[] Barycentric { get; }
    /// <summary>
    /// For axis j and vertex v, the two neighbours at [(j·M + v)·2] and [(j·M + v)·2 + 1]; a missing
    /// neighbour points at row M, a row of zeros in every value buffer.
    /// </summary>
    public int[] BlurNeighbors { get; private set; }
    /// <summary>
    /// Gives the per-pixel and per-vertex arrays back for the next image's lattice (<see cref="ImageArrays"/>); the
    /// lattice must not be used afterwards. Only its owner calls this (a prepared image's bilateral kernel on dispose;
    /// never the cached Gaussian kernels, which other images share).
    /// </summary>
    internal void Release()
    {
        ImageArrays.Return(Offsets);
        ImageArrays.Return(Barycentric);
        ImageArrays.Return(BlurNeighbors);
        BlurNeighbors = [];
    }

    /// <summary>The reference's "magic" slice scale 1/(1 + 2^-d).</summary>
    public float SliceAlpha => SliceAlphaFor(Dimension);

    /// <summary>The slice scale of a <paramref name="dimension"/>-dimensional lattice (the device build uses it too).</summary>
    internal static float SliceAlphaFor(int dimension) => 1.0f / (1 + MathF.Pow(2, -dimension));

    /// <summary>Builds the lattice for <paramref name="features"/>, pixel-major (N, d).</summary>
    /// <exception cref="ArgumentException">A feature is not finite, or the dimension does not divide the feature count.</exception>
    /// <exception cref="LatticeRangeException">The scaled features would overflow the 16-bit lattice keys.</exception>
    public static PermutohedralLattice Build(float[] features, int dimension, ParallelOptions parallel) =>
        Build(features, dimension, parallel, Avx2.IsSupported);

    /// <summary>
    /// <see cref="Build(float[], int, ParallelOptions)"/> choosing the per-pixel path: AVX2 lanes or scalar (both give
    /// identical lattices; tests compare them).
    /// </summary>
    internal static PermutohedralLattice Build(float[] features, int dimension, ParallelOptions parallel, bool avx2)
    {
        if (avx2 && !Avx2.IsSupported) throw new PlatformNotSupportedException("AVX2 lattice build on a CPU without AVX2");
        var scale = CheckedScale(features, dimension);
        int n = features.Length / dimension;
        var lattice = new PermutohedralLattice(dimension, n);
        int d1 = dimension + 1;
        // Pixel chunks find their corners and number them in a chunk-local table in parallel; the
        // local tables are then merged in chunk order, so global ids still follow first appearance
        // in pixel order and the serial part touches each chunk's distinct vertices only once. On one
        // thread (refine's one image per core) the pixels go straight into the global table.
        int threads = Math.Max(1, parallel.MaxDegreeOfParallelism);
        int chunkCount = threads == 1 ? 1 : Math.Max(1, Math.Min(threads * 4, n / 2048));
        KeyTable table;
        if (chunkCount == 1)
        {
            // Real images have about one vertex per 2-4 pixels (bilateral) or per 9 (Gaussian, sxy 3).
            table = new KeyTable(Math.Max(16, n / 4));
            BuildPixels(features, dimension, scale, 0, n, table, lattice.Offsets, lattice.Barycentric, avx2);
        }
        else
        {
            table = BuildInChunks(features, dimension, scale, lattice, chunkCount, parallel, avx2);
        }
        int m = table.Count;
        lattice.VertexCount = m;

        // Stepping along lattice axis j moves coordinate j by +d and every other by −1 (first
        // neighbour), or the opposite (second); the (d+1)-th coordinate is implied by the zero sum.
        // If u is v's first neighbour along j then v is u's second: one lookup finds both, so only
        // the first neighbours are probed, and each found pair fills the other's second slot (distinct
        // v give distinct u, so the parallel writes never collide).
        var neighbors = ImageArrays.Rent<int>(d1 * m * 2);
        for (int e = 1; e < neighbors.Length; e += 2) neighbors[e] = m;
        int vChunk = Math.Max(1024, m / (4 * threads) + 1);
        Parallel.For(0, (m + vChunk - 1) / vChunk, parallel, c => FindNeighbors(table, dimension, m, c * vChunk, Math.Min(m, (c + 1) * vChunk), neighbors));
        lattice.BlurNeighbors = neighbors;
        table.Release();

        return lattice;
    }

    /// <summary>
    /// The elevation scale of each feature, sqrt(2/3)·(d+1)/sqrt((i+1)(i+2)), after checking the features: finite,
    /// and small enough after scaling that lattice coordinates fit the 16-bit keys (a kernel width far below one
    /// pixel or one colour step is refused instead of aliasing silently). The CPU and the device build share it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float[] CheckedScale(float[] features, int dimension)
    {
        if (dimension < 1 || dimension > MaxDimension)
            throw new ArgumentOutOfRangeException(nameof(dimension), $"lattice dimension must be 1..{MaxDimension}");
        if (features.Length % dimension != 0)
            throw new ArgumentException("feature count is not a multiple of the dimension", nameof(features));
        var scale = new float[dimension];
        float invStdDev = (float)(Math.Sqrt(2.0 / 3.0) * (dimension + 1));
        for (int i = 0; i < dimension; i++)
            scale[i] = (float)(1.0 / Math.Sqrt((double)((i + 2) * (i + 1))) * invStdDev);
        // One pass over the features: the largest magnitude per dimension, and f·0 summed, which is NaN exactly when
        // some feature is infinite or NaN (a plain comparison skips NaN, so finiteness is checked on its own).
        Span<float> maxAbs = stackalloc float[MaxDimension];
        maxAbs.Clear();
        float nonFinite = 0;
        for (int p = 0; p < features.Length; p += dimension)
            for (int j = 0; j < dimension; j++)
            {
                float f = features[p + j], a = MathF.Abs(f);
                maxAbs[j] = a > maxAbs[j] ? a : maxAbs[j];
                nonFinite += f * 0;
            }
        if (float.IsNaN(nonFinite))
            throw new ArgumentException("lattice features must be finite", nameof(features));
        double bound = 0;
        for (int j = 0; j < dimension; j++) bound += maxAbs[j] * scale[j] * (dimension + 1);
        if (bound > 30000)
            throw new LatticeRangeException("kernel widths too small for this image: lattice coordinates would overflow 16 bits");
        return scale;
    }

    /// <summary>
    /// The parallel build: pixel chunks number their corners in chunk-local tables, which are merged
    /// in chunk order so that global ids still follow first appearance in pixel order.
    /// </summary>
    private static KeyTable BuildInChunks(float[] features, int dimension, float[] scale, PermutohedralLattice lattice,
        int chunkCount, ParallelOptions parallel, bool avx2)
    {
        int n = lattice.PixelCount, d1 = dimension + 1;
        int chunk = (n + chunkCount - 1) / chunkCount;
        var localTables = new KeyTable[chunkCount];
        Parallel.For(0, chunkCount, parallel, c =>
        {
            int start = c * chunk, end = Math.Min(n, start + chunk);
            var local = new KeyTable(Math.Max(16, (end - start) / 4));
            BuildPixels(features, dimension, scale, start, end, local, lattice.Offsets, lattice.Barycentric, avx2);
            localTables[c] = local;
        });

        var table = new KeyTable(Math.Max(16, localTables.Max(t => t.Count) * 2));
        var toGlobal = new int[chunkCount][];
        for (int c = 0; c < chunkCount; c++)
        {
            var local = localTables[c];
            var map = new int[local.Count];
            for (int id = 0; id < map.Length; id++) map[id] = table.FindOrAdd(local.KeyLo(id), local.KeyHi(id));
            toGlobal[c] = map;
            local.Release();
        }
        Parallel.For(0, chunkCount, parallel, c =>
        {
            int lo = c * chunk * d1, hi = Math.Min(n, (c + 1) * chunk) * d1;
            var map = toGlobal[c];
            var offsets = lattice.Offsets;
            for (int e = lo; e < hi; e++) offsets[e] = map[offsets[e]];
        });
        return table;
    }

    /// <summary>
    /// <see cref="BuildChunk"/> with the d+1 lattice coordinates of a pixel in the lanes of one AVX2
    /// vector: rounding, the O(d²) rank comparisons, the wrap-around and the d+1 corner keys run lane
    /// parallel. Every lane sees the scalar path's float operations in the same order (the elevation
    /// and the barycentric scatter stay scalar), so offsets and weights are identical.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BuildChunkAvx2(float[] features, int d, float[] scale, int start, int end,
        KeyTable local, int[] offsets, float[] barycentric)
    {
        int d1 = d + 1;
        float* elevated = stackalloc float[8];
        int* rankOut = stackalloc int[8];
        float* vOut = stackalloc float[8];
        float* bary = stackalloc float[MaxDimension + 2];
        ulong* keyLo = stackalloc ulong[8];
        uint* keyHi = stackalloc uint[8];
        int* hashes = stackalloc int[8];
        for (int i = 0; i < 8; i++) elevated[i] = 0;
        float down = 1.0f / d1;
        var downV = Vector256.Create(down);
        var d1F = Vector256.Create((float)d1);
        var d1I = Vector256.Create(d1);
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var coordinates = Vector256.LessThan(lane, Vector256.Create(d1));   // lanes 0..d
        var keyLanes = Vector256.LessThan(lane, Vector256.Create(d));       // lanes 0..d-1 are stored in keys
        var prevRem0 = Vector256<int>.Zero;
        var prevRank = Vector256<int>.Zero;
        fixed (float* feat = features, sc = scale, baryOut = barycentric)
        fixed (int* offOut = offsets)
        {
            for (int p = start; p < end; p++)
            {
                Elevate(feat + (long)p * d, sc, d, elevated);

                var ev = Vector256.Load(elevated);
                // Round half to even, as the reference's SSE rounding mode does (lanes above d hold 0).
                var v = Avx.RoundToNearestInteger(downV * ev);
                var rem0 = v * d1F;
                int sum = Vector256.Sum(Vector256.ConvertToInt32(v));
                var di = ev - rem0;
                // rank_i = #{j > i: d_j > d_i} + #{j < i: d_j >= d_i}: the scalar pairwise loop, lane by lane.
                var rank = Vector256<int>.Zero;
                for (int j = 0; j <= d; j++)
                {
                    var dj = Avx2.PermuteVar8x32(di, Vector256.Create(j));
                    var below = Vector256.LessThan(lane, Vector256.Create(j));
                    var above = Vector256.GreaterThan(lane, Vector256.Create(j)) & coordinates;
                    var counted = (Vector256.GreaterThan(dj, di).AsInt32() & below) | (Vector256.GreaterThanOrEqual(dj, di).AsInt32() & above);
                    rank -= counted;
                }
                rank += Vector256.Create(sum);
                var low = Vector256.LessThan(rank, Vector256<int>.Zero);
                var high = Vector256.GreaterThanOrEqual(rank, d1I) & ~low;
                rank = rank + (low & d1I) - (high & d1I);
                rem0 = Vector256.ConditionalSelect(low.AsSingle(), rem0 + d1F, Vector256.ConditionalSelect(high.AsSingle(), rem0 - d1F, rem0));
                Vector256.Store((ev - rem0) * downV, vOut);
                Vector256.Store(rank, rankOut);

                long o = (long)p * d1;
                WriteBarycentric(vOut, rankOut, d, bary, baryOut + o);

                var rem0I = Vector256.ConvertToInt32(rem0);
                // Neighbouring pixels often lie in the same simplex: then the corners are the previous pixel's.
                if (p > start && (((rem0I ^ prevRem0) | (rank ^ prevRank)) & coordinates) == Vector256<int>.Zero)
                {
                    for (int r = 0; r <= d; r++) offOut[o + r] = offOut[o - d1 + r];
                    continue;
                }
                prevRem0 = rem0I;
                prevRank = rank;
                // All corners' keys and hashes first, their slots prefetched, then the probes in corner order (ids
                // still follow first appearance): the d+1 cache misses overlap instead of following one another.
                for (int r = 0; r <= d; r++)
                {
                    // The canonical simplex: corner r adds r to coordinates ranked at most d−r and r−(d+1) to the others.
                    var key = (rem0I + Vector256.Create(r) - (Vector256.GreaterThan(rank, Vector256.Create(d - r)) & d1I)) & keyLanes;
                    var packed = Vector128.Narrow(key.GetLower(), key.GetUpper());
                    keyLo[r] = packed.AsUInt64().ToScalar();
                    keyHi[r] = packed.AsUInt32().GetElement(2);
                    hashes[r] = KeyTable.Hash(keyLo[r], keyHi[r]);
                    local.Prefetch(hashes[r]);
                }
                for (int r = 0; r <= d; r++)
                    offOut[o + r] = local.FindOrAdd(keyLo[r], keyHi[r], hashes[r]);
            }
        }
    }

    /// <summary>Pixels [start, end) into <paramref name="local"/>: the AVX2 path or the scalar one.</summary>
    private static void BuildPixels(float[] features, int d, float[] scale, int start, int end,
        KeyTable local, int[] offsets, float[] barycentric, bool avx2)
    {
        if (avx2)
            BuildChunkAvx2(features, d, scale, start, end, local, offsets, barycentric);
        else
            BuildChunk(features, d, scale, start, end, local, offsets, barycentric);
    }

    /// <summary>
    /// For pixels [start, end): elevation, nearest remainder-0 point, simplex rank and barycentric
    /// weights in float32 and in the reference's operation order, then the d+1 corner keys numbered
    /// in <paramref name="local"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BuildChunk(float[] features, int d, float[] scale, int start, int end,
        KeyTable local, int[] offsets, float[] barycentric)
    {
        int d1 = d + 1;
        float* elevated = stackalloc float[MaxDimension + 1];
        float* rem0 = stackalloc float[MaxDimension + 1];
        int* rank = stackalloc int[MaxDimension + 1];
        float* bary = stackalloc float[MaxDimension + 2];
        float* offsetsFromRemainder = stackalloc float[MaxDimension + 1];
        int* prevRem0 = stackalloc int[MaxDimension + 1];
        int* prevRank = stackalloc int[MaxDimension + 1];
        float down = 1.0f / d1;
        fixed (float* feat = features, sc = scale, baryOut = barycentric)
        fixed (int* offOut = offsets)
        {
            for (int p = start; p < end; p++)
            {
                Elevate(feat + (long)p * d, sc, d, elevated);

                int sum = 0;
                for (int i = 0; i <= d; i++)
                {
                    // Round half to even, as the reference's SSE rounding mode does.
                    float v = MathF.Round(down * elevated[i]);
                    rem0[i] = v * d1;
                    sum += (int)v;
                    rank[i] = 0;
                }
                for (int i = 0; i < d; i++)
                {
                    float di = elevated[i] - rem0[i];
                    for (int j = i + 1; j <= d; j++)
                    {
                        // Branch-free: the comparison is a coin flip on real images.
                        int less = di < elevated[j] - rem0[j] ? 1 : 0;
                        rank[i] += less;
                        rank[j] += 1 - less;
                    }
                }
                for (int i = 0; i <= d; i++)
                {
                    rank[i] += sum;
                    if (rank[i] < 0) { rank[i] += d1; rem0[i] += d1; }
                    else if (rank[i] >= d1) { rank[i] -= d1; rem0[i] -= d1; }
                }
                for (int i = 0; i <= d; i++) offsetsFromRemainder[i] = (elevated[i] - rem0[i]) * down;
                long o = (long)p * d1;
                WriteBarycentric(offsetsFromRemainder, rank, d, bary, baryOut + o);
                // Neighbouring pixels often lie in the same simplex (same remainder-0 point and
                // rank): then all d+1 corners are the previous pixel's and no key needs probing.
                bool same = p > start;
                for (int i = 0; i <= d && same; i++)
                    same = prevRem0[i] == (int)rem0[i] && prevRank[i] == rank[i];
                if (same)
                {
                    for (int r = 0; r <= d; r++) offOut[o + r] = offOut[o - d1 + r];
                    continue;
                }
                for (int i = 0; i <= d; i++) { prevRem0[i] = (int)rem0[i]; prevRank[i] = rank[i]; }
                for (int r = 0; r <= d; r++)
                {
                    ulong lo = 0;
                    uint hi = 0;
                    for (int i = 0; i < d; i++)
                    {
                        // The canonical simplex: corner r adds r to coordinates ranked at most d−r
                        // and r−(d+1) to the others.
                        int canonical = r - (((d - r - rank[i]) >> 31) & d1);
                        ushort lane = (ushort)(short)((int)rem0[i] + canonical);
                        if (i < 4) lo |= (ulong)lane << (16 * i);
                        else hi |= (uint)lane << (16 * (i - 4));
                    }
                    offOut[o + r] = local.FindOrAdd(lo, hi);
                }
            }
        }
    }

    /// <summary>
    /// The reference's elevation of one pixel's d features onto the hyperplane of R^(d+1): coordinate j is the sum of
    /// the scaled features above j minus j times feature j, summed from the last feature down (float32, in that order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Elevate(float* f, float* sc, int d, float* elevated)
    {
        float sm = 0;
        for (int j = d; j > 0; j--)
        {
            float cf = f[j - 1] * sc[j - 1];
            elevated[j] = sm - j * cf;
            sm += cf;
        }
        elevated[0] = sm;
    }

    /// <summary>
    /// The barycentric weights of the d+1 corners from each coordinate's offset to its remainder-0 point, (x − r0)/(d+1),
    /// and rank, in the reference's order of accumulation, written to <paramref name="output"/>[0..d].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void WriteBarycentric(float* offsetFromRemainder, int* rank, int d, float* bary, float* output)
    {
        for (int i = 0; i <= d + 1; i++) bary[i] = 0;
        for (int i = 0; i <= d; i++)
        {
            float v = offsetFromRemainder[i];
            bary[d - rank[i]] += v;
            bary[d - rank[i] + 1] -= v;
        }
        bary[0] += 1.0f + bary[d + 1];
        for (int r = 0; r <= d; r++) output[r] = bary[r];
    }

    /// <summary>
    /// The first neighbours of vertices [start, end) along each axis (and, for each one found, the found vertex's
    /// second neighbour). The stored key words hold the d coordinates as 16-bit lanes, so a step is one vector
    /// operation on them: every coordinate −1, and +d on coordinate j (j = d: only the −1s, the implied last one
    /// takes +d). A vertex's d+1 keys are hashed and their slots prefetched before they are probed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void FindNeighbors(KeyTable table, int dimension, int m, int start, int end, int[] neighbors)
    {
        int d1 = dimension + 1;
        var lane = Vector128.Create((short)0, 1, 2, 3, 4, 5, 6, 7);
        var stored = Vector128.LessThan(lane, Vector128.Create((short)dimension));
        ulong* keyLo = stackalloc ulong[MaxDimension + 1];
        uint* keyHi = stackalloc uint[MaxDimension + 1];
        int* hashes = stackalloc int[MaxDimension + 1];
        for (int v = start; v < end; v++)
        {
            var down = (Vector128.Create(table.KeyLo(v), (ulong)table.KeyHi(v)).AsInt16() - Vector128<short>.One) & stored;
            for (int j = 0; j <= dimension; j++)
            {
                var step = down + (Vector128.Equals(lane, Vector128.Create((short)j)) & Vector128.Create((short)d1) & stored);
                var words = step.AsUInt64();
                keyLo[j] = words.GetElement(0);
                keyHi[j] = (uint)words.GetElement(1);
                hashes[j] = KeyTable.Hash(keyLo[j], keyHi[j]);
                table.Prefetch(hashes[j]);
            }
            for (int j = 0; j <= dimension; j++)
            {
                int u = table.Find(keyLo[j], keyHi[j], hashes[j]);
                neighbors[(j * m + v) * 2] = u < 0 ? m : u;
                if (u >= 0) neighbors[(j * m + u) * 2 + 1] = v;
            }
        }
    }

    // ---------------------------------------------------------------- filtering

    /// <summary>Pixel chunks of a pixel pass: one partial vertex buffer each.</summary>
    /// <remarks>
    /// Several chunks per thread let a thread that was preempted fall behind without holding the
    /// others (the machine is shared); each extra chunk costs one more partial buffer to sum, about
    /// M/(18·N) of a pixel pass, a few per cent for real images.
    /// </remarks>
    public static int PixelChunkCount(int pixelCount, ParallelOptions parallel, long partialBytes = 0)
    {
        int threads = Math.Max(1, parallel.MaxDegreeOfParallelism);
        // Large images: one partial buffer per thread only. Each partial is a copy of the whole vertex
        // buffer (for a 2000x2000 image with 21 labels ~100 MB), so 4 per thread would dominate the
        // CRF's memory; at that size the pixel pass is long enough for the threads to stay balanced.
        int perThread = partialBytes > LargePartialBytes ? 1 : 4;
        return Math.Max(1, Math.Min(threads == 1 ? 1 : threads * perThread, pixelCount / 4096));
    }

    /// <summary>A partial vertex buffer above this size gets one chunk per thread (see <see cref="PixelChunkCount"/>).</summary>
    internal const long LargePartialBytes = 16L << 20;

    /// <summary>Rows of pixel chunk c of <paramref name="chunks"/>.</summary>
    public static (int Start, int End) PixelChunk(int pixelCount, int chunks, int c)
    {
        int size = (pixelCount + chunks - 1) / chunks;
        return (c * size, Math.Min(pixelCount, (c + 1) * size));
    }

    /// <summary>Adds w_c · row into the vertex row of each of pixel i's corners.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void ScatterPixel(float* partial, float* row, float* cornerWeights, int i, int stride)
    {
        int d1 = Dimension + 1, c0 = i * d1;
        var offsets = Offsets;
        for (int r = 0; r < d1; r++)
            AddScaledRow(partial + (long)offsets[c0 + r] * stride, row, cornerWeights[c0 + r], stride);
    }

    /// <summary>values[v] = Σ_t partials[t][v] for every vertex, clearing the partials for the next splat.</summary>
    public unsafe void ReducePartials(float[][] partials, float[] values, int stride, ParallelOptions parallel)
    {
        int m = VertexCount, count = partials.Length;
        RunChunks(m, parallel, (lo, hi) =>
        {
            long from = (long)lo * stride, to = (long)hi * stride;
            fixed (float* val = values)
            {
                for (int t = 0; t < count; t++)
                {
                    fixed (float* part = partials[t])
                    {
                        // A 2-float stride can leave a chunk 2 floats past a multiple of 4: those go one at a time.
                        long k = from;
                        if (t == 0)
                        {
                            for (; k + 4 <= to; k += 4) Vector128.Store(Vector128.Load(part + k), val + k);
                            for (; k < to; k++) val[k] = part[k];
                        }
                        else
                        {
                            for (; k + 4 <= to; k += 4) Vector128.Store(Vector128.Load(val + k) + Vector128.Load(part + k), val + k);
                            for (; k < to; k++) val[k] += part[k];
                        }
                        new Span<float>(part + from, (int)(to - from)).Clear();
                    }
                }
            }
        });
    }

    /// <summary>
    /// One [0.5, 1, 0.5] pass per lattice axis 0..d. Returns the buffer holding the result (either
    /// <paramref name="values"/> or <paramref name="scratch"/>), both sized (M+1)·stride.
    /// </summary>
    public unsafe float[] Blur(float[] values, float[] scratch, int stride, ParallelOptions parallel)
    {
        int m = VertexCount;
        var neighbors = BlurNeighbors;
        var src = values;
        var dst = scratch;
        for (int j = 0; j <= Dimension; j++)
        {
            var s = src; var t = dst; int axis = j;
            RunChunks(m, parallel, (lo, hi) =>
            {
                fixed (float* sp = s, tp = t)
                fixed (int* nb = neighbors)
                {
                    BlurRange(tp, sp, nb + (long)axis * m * 2, lo, hi, stride);
                }
            });
            (src, dst) = (dst, src);
        }
        return src;
    }

    /// <summary>Vertices [lo, hi) of one blur axis: dst = self + 0.5·(first + second neighbour), row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BlurRange(float* dst, float* src, int* axisNeighbors, int lo, int hi, int stride)
    {
        if (stride == 2)
        {
            // The 2-float vertex rows of a CRF of up to 2 labels (MeanFieldCpu): 8 bytes a row, lanes 2 and 3 unused.
            var half = Vector128.Create(0.5f);
            for (int v = lo; v < hi; v++)
                MeanFieldCpu.Store2(MeanFieldCpu.Load2(src + (long)v * 2)
                    + half * (MeanFieldCpu.Load2(src + (long)axisNeighbors[2 * v] * 2) + MeanFieldCpu.Load2(src + (long)axisNeighbors[2 * v + 1] * 2)), dst + (long)v * 2);
            return;
        }
        if (stride == 4)
        {
            // One vector per vertex: the same [0.5, 1, 0.5] expression as BlurRow, inlined.
            var half = Vector128.Create(0.5f);
            for (int v = lo; v < hi; v++)
                Vector128.Store(Vector128.Load(src + (long)v * 4)
                    + half * (Vector128.Load(src + (long)axisNeighbors[2 * v] * 4) + Vector128.Load(src + (long)axisNeighbors[2 * v + 1] * 4)), dst + (long)v * 4);
            return;
        }
        if (stride == 8 && Vector256.IsHardwareAccelerated)
        {
            var half = Vector256.Create(0.5f);
            for (int v = lo; v < hi; v++)
                Vector256.Store(Vector256.Load(src + (long)v * 8)
                    + half * (Vector256.Load(src + (long)axisNeighbors[2 * v] * 8) + Vector256.Load(src + (long)axisNeighbors[2 * v + 1] * 8)), dst + (long)v * 8);
            return;
        }
        for (int v = lo; v < hi; v++)
            BlurRow(dst + (long)v * stride, src + (long)v * stride,
                src + (long)axisNeighbors[2 * v] * stride, src + (long)axisNeighbors[2 * v + 1] * stride, stride);
    }

    /// <summary>
    /// The lattice's unnormalised filter of a scalar signal with the reference's alpha (the normalisation's
    /// filter of ones): splat in <see cref="PixelChunkCount"/> pixel chunks summed in chunk order, the
    /// [0.5, 1, 0.5] blur along axes 0..d, slice; the float operations of the mean field's row passes
    /// (<see cref="ScatterPixel"/>, <see cref="ReducePartials"/>, <see cref="Blur"/>) on one lane.
    /// </summary>
    public float[] FilterScalar(float[] signal, ParallelOptions parallel)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.Length != PixelCount) throw new ArgumentException("one value per pixel", nameof(signal));
        return Filter1(signal, parallel);
    }

    /// <summary>
    /// <see cref="FilterScalar"/> of a signal of ones (the normalisation's K·1): each corner splats its barycentric
    /// weight itself, which is the weight times 1 bit for bit.
    /// </summary>
    internal float[] FilterOnes(ParallelOptions parallel) => Filter1(null, parallel);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe float[] Filter1(float[]? signal, ParallelOptions parallel)
    {
        int m = VertexCount, d1 = Dimension + 1, n = PixelCount;
        int chunks = PixelChunkCount(n, parallel, (m + 1L) * sizeof(float));
        var partials = new float[chunks][];
        for (int t = 0; t < chunks; t++) partials[t] = new float[m + 1];
        var offsets = Offsets;
        var bary = Barycentric;
        Parallel.For(0, chunks, parallel, c =>
        {
            var (start, end) = PixelChunk(n, chunks, c);
            fixed (float* part = partials[c], w = bary, x = signal)
            fixed (int* o = offsets)
            {
                if (x is null)
                {
                    for (long e = (long)start * d1, last = (long)end * d1; e < last; e++) part[o[e]] += w[e];
                }
                else
                {
                    for (int i = start; i < end; i++)
                    {
                        float xi = x[i];
                        for (long e = (long)i * d1, last = e + d1; e < last; e++) part[o[e]] += w[e] * xi;
                    }
                }
            }
        });
        var values = partials[0];
        for (int t = 1; t < chunks; t++)
        {
            var part = partials[t];
            for (int v = 0; v < m; v++) values[v] += part[v];
        }
        var scratch = new float[m + 1];
        var src = values;
        var dst = scratch;
        fixed (int* nb = BlurNeighbors)
        {
            for (int j = 0; j <= Dimension; j++)
            {
                int* axis = nb + (long)j * m * 2;
                fixed (float* sp = src, dp = dst)
                {
                    for (int v = 0; v < m; v++)
                        dp[v] = sp[v] + 0.5f * (sp[axis[2 * v]] + sp[axis[2 * v + 1]]);
                }
                (src, dst) = (dst, src);
            }
        }
        var blurred = src;
        float alpha = SliceAlpha;
        var result = new float[n];
        RunChunks(n, parallel, (lo, hi) =>
        {
            fixed (float* w = bary, bl = blurred, res = result)
            fixed (int* o = offsets)
            {
                for (int i = lo; i < hi; i++)
                {
                    float acc = 0;
                    for (long e = (long)i * d1, last = e + d1; e < last; e++) acc += w[e] * alpha * bl[o[e]];
                    res[i] = acc;
                }
            }
        });
        return result;
    }

    // ---------------------------------------------------------------- row kernels

    internal static void RunChunks(int count, ParallelOptions parallel, Action<int, int> body)
    {
        int threads = Math.Max(1, parallel.MaxDegreeOfParallelism);
        if (threads == 1 || count < 4096)
        {
            body(0, count);
            return;
        }
        // A few chunks per thread balances uneven CSR rows without paying per-item overhead.
        int chunks = Math.Min(threads * 4, (count + 1023) / 1024);
        int size = (count + chunks - 1) / chunks;
        Parallel.For(0, chunks, parallel, c =>
        {
            int lo = c * size, hi = Math.Min(count, lo + size);
            if (lo < hi) body(lo, hi);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void AddScaledRow(float* dst, float* src, float w, int stride)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w8 = Vector256.Create(w);
            for (; k + 8 <= stride; k += 8)
                Vector256.Store(Vector256.Load(dst + k) + w8 * Vector256.Load(src + k), dst + k);
        }
        var w4 = Vector128.Create(w);
        for (; k < stride; k += 4)
            Vector128.Store(Vector128.Load(dst + k) + w4 * Vector128.Load(src + k), dst + k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void BlurRow(float* dst, float* self, float* n1, float* n2, int stride)
    {
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var half8 = Vector256.Create(0.5f);
            for (; k + 8 <= stride; k += 8)
                Vector256.Store(Vector256.Load(self + k) + half8 * (Vector256.Load(n1 + k) + Vector256.Load(n2 + k)), dst + k);
        }
        var half4 = Vector128.Create(0.5f);
        for (; k < stride; k += 4)
            Vector128.Store(Vector128.Load(self + k) + half4 * (Vector128.Load(n1 + k) + Vector128.Load(n2 + k)), dst + k);
    }

    // ---------------------------------------------------------------- hash table

    /// <summary>Open-addressing table from packed keys to dense ids in insertion order.</summary>
    /// <remarks>
    /// Each 16-byte slot holds its key next to its id, so a probe touches one cache line and four
    /// slots share it; the keys are also kept by id for the ordered walks.
    /// </remarks>
    private sealed class KeyTable
    {
        private struct Slot
        {
            public ulong Lo;
            public uint Hi;
            public int Id;
        }

        private ulong[] _lo;
        private uint[] _hi;
        private Slot[] _slots;
        private int _mask;

        public KeyTable(int expected)
        {
            int capacity = 1;
            while (capacity < expected * 2) capacity <<= 1;
            _slots = NewSlots(capacity);
            _mask = capacity - 1;
            _lo = GC.AllocateUninitializedArray<ulong>(Math.Max(16, expected));
            _hi = GC.AllocateUninitializedArray<uint>(_lo.Length);
        }

        public int Count { get; private set; }
        public ulong KeyLo(int id) => _lo[id];
        public uint KeyHi(int id) => _hi[id];

        private static Slot[] NewSlots(int capacity)
        {
            var slots = ImageArrays.Rent<Slot>(capacity);
            slots.AsSpan().Fill(new Slot { Id = -1 });
            return slots;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Hash(ulong lo, uint hi)
        {
            // splitmix64's finaliser over both words: every key bit reaches the low (masked) bits.
            ulong h = lo ^ (hi * 0x9E3779B97F4A7C15UL);
            h ^= h >> 30;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 27;
            h *= 0x94D049BB133111EBUL;
            h ^= h >> 31;
            return (int)h;
        }

        /// <summary>The key's id, or −1; <paramref name="hash"/> is <see cref="Hash"/> of the key.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int Find(ulong lo, uint hi, int hash)
        {
            var slots = _slots;
            int mask = _mask;
            int s = hash & mask;
            while (true)
            {
                ref var slot = ref slots[s];
                if (slot.Id < 0) return -1;
                if (slot.Lo == lo && slot.Hi == hi) return slot.Id;
                s = (s + 1) & mask;
            }
        }

        /// <summary>Asks the CPU to bring the home slot of a key of this hash into cache (a hint; no effect on results).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Prefetch(int hash)
        {
            if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref _slots[hash & _mask]));
        }

        public int FindOrAdd(ulong lo, uint hi) => FindOrAdd(lo, hi, Hash(lo, hi));

        /// <summary>The key's id, added as the next id when new; <paramref name="hash"/> is <see cref="Hash"/> of the key.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int FindOrAdd(ulong lo, uint hi, int hash)
        {
            var slots = _slots;
            int mask = _mask;
            int s = hash & mask;
            while (true)
            {
                ref var slot = ref slots[s];
                if (slot.Id < 0) break;
                if (slot.Lo == lo && slot.Hi == hi) return slot.Id;
                s = (s + 1) & mask;
            }
            if (Count == _lo.Length)
            {
                Array.Resize(ref _lo, _lo.Length * 2);
                Array.Resize(ref _hi, _hi.Length * 2);
            }
            int newId = Count++;
            _lo[newId] = lo;
            _hi[newId] = hi;
            slots[s] = new Slot { Lo = lo, Hi = hi, Id = newId };
            if (Count * 2 > slots.Length) Grow();
            return newId;
        }

        private void Grow()
        {
            var slots = NewSlots(_slots.Length * 2);
            int mask = slots.Length - 1;
            for (int id = 0; id < Count; id++)
            {
                ulong lo = _lo[id];
                uint hi = _hi[id];
                int s = Hash(lo, hi) & mask;
                while (slots[s].Id >= 0) s = (s + 1) & mask;
                slots[s] = new Slot { Lo = lo, Hi = hi, Id = id };
            }
            ImageArrays.Return(_slots);
            _slots = slots;
            _mask = mask;
        }

        /// <summary>Gives the slot array back once the table is no longer probed (the keys by id stay readable).</summary>
        public void Release()
        {
            ImageArrays.Return(_slots);
            _slots = [];
        }
    }
}
