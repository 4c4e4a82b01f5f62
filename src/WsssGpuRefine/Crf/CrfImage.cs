using System.Runtime.CompilerServices;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Crf;

/// <summary>
/// One image made ready for CRFs with one parameter set: the lattices of its Gaussian and bilateral
/// kernels and their symmetric normalisation are built once here and reused by every
/// <see cref="Infer"/> (the two ir_label CRFs, the la and ha CRFs, ...). Immutable once built:
/// <see cref="Infer"/> may run on several threads at once. On a Vulkan backend the lattices live on the
/// device; dispose the image to give their buffers back (on the CPU, disposing hands the bilateral lattice's
/// arrays to the next image, see ImageArrays).
/// </summary>
public sealed class CrfImage : IDisposable
{
    private readonly PreparedKernel? _gaussian;
    private readonly PreparedKernel? _bilateral;

    internal CrfImage(ComputeBackend backend, int height, int width, CrfParameters parameters,
        PreparedKernel? gaussian, PreparedKernel? bilateral)
    {
        Backend = backend;
        Height = height;
        Width = width;
        Parameters = parameters;
        _gaussian = gaussian;
        _bilateral = bilateral;
    }

    /// <summary>The backend the lattices were built on; every <see cref="Infer"/> runs there.</summary>
    public ComputeBackend Backend { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height * Width.</summary>
    public int PixelCount => Height * Width;
    /// <summary>The kernel parameters the lattices were built for; unaries passed to <see cref="Infer"/> must come from the same set.</summary>
    public CrfParameters Parameters { get; }
    /// <summary>The Gaussian kernel's CPU lattice (built on first use when the lattice lives on the device).</summary>
    internal CrfKernel? Gaussian => _gaussian?.Cpu;
    /// <summary>The bilateral kernel's CPU lattice (built on first use when the lattice lives on the device).</summary>
    internal CrfKernel? Bilateral => _bilateral?.Cpu;
    internal PreparedKernel? GaussianKernel => _gaussian;
    internal PreparedKernel? BilateralKernel => _bilateral;

    /// <summary>Lattice vertex counts (Gaussian, bilateral), 0 for a kernel left out; for reports and tests.</summary>
    public (int Gaussian, int Bilateral) LatticeVertexCounts =>
        (_gaussian?.VertexCount ?? 0, _bilateral?.VertexCount ?? 0);

    /// <summary>Mean-field inference of <paramref name="unary"/> with this image's kernels.</summary>
    public CrfResult Infer(CrfUnary unary) => InferAll([unary])[0];

    /// <summary>
    /// Several CRFs of this image at once (ir_label's two, la and ha): on the GPU they share the device
    /// lattice and go in one submission; on the CPU CRFs of up to 4 labels run two at a time in one joint
    /// pass (one lattice walk for both), with results bit-identical to running them singly.
    /// </summary>
    public CrfResult[] InferAll(IReadOnlyList<CrfUnary> unaries)
    {
        ArgumentNullException.ThrowIfNull(unaries);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var unary in unaries)
        {
            ArgumentNullException.ThrowIfNull(unary, nameof(unaries));
            if (unary.Height != Height || unary.Width != Width)
                throw new WsssInputException(null,
                    $"the image is {Width}x{Height} (WxH) but the CRF input is {unary.Width}x{unary.Height}; resize the maps to the image first");
        }
        var kernels = new List<(PreparedKernel Kernel, float Compat)>(2);
        if (_gaussian is not null) kernels.Add((_gaussian, Parameters.GaussianCompat));
        if (_bilateral is not null) kernels.Add((_bilateral, Parameters.BilateralCompat));
        return Backend.Run(new MeanFieldBatch(this, unaries, kernels));
    }

    internal ParallelOptions CpuOptions() => Backend.ParallelOptions;

    private bool _disposed;

    /// <summary>Gives the device lattices' buffers back to the backend and the CPU lattice's arrays to the next image; the image cannot infer afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _gaussian?.Dispose();
        _bilateral?.Dispose();
    }
}

/// <summary>A kernel's lattice with its normalisation folded into per-corner splat and slice weights.</summary>
internal sealed class CrfKernel
{
    public CrfKernel(PermutohedralLattice lattice, ParallelOptions parallel)
    {
        Lattice = lattice;
        int n = lattice.PixelCount, d1 = lattice.Dimension + 1;
        var filtered = lattice.FilterOnes(parallel);
        Norm = ImageArrays.Rent<float>(n);
        SplatWeights = ImageArrays.Rent<float>(n * d1);
        SliceWeights = ImageArrays.Rent<float>(n * d1);
        float alpha = lattice.SliceAlpha;
        PermutohedralLattice.RunChunks(n, parallel, (lo, hi) => FoldNormalisation(filtered, lattice.Barycentric, alpha, d1, lo, hi));
    }

    /// <summary>
    /// Pixels [lo, hi): pydensecrf's NORMALIZE_SYMMETRIC factor 1/sqrt(K·1 + 1e-20) (applied before and after
    /// filtering) and the corners' splat (barycentric × norm) and slice (barycentric × alpha × norm) weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void FoldNormalisation(float[] filtered, float[] barycentric, float alpha, int d1, int lo, int hi)
    {
        fixed (float* k1 = filtered, bary = barycentric, norms = Norm, splat = SplatWeights, slice = SliceWeights)
        {
            for (int i = lo; i < hi; i++)
            {
                float norm = (float)(1.0 / Math.Sqrt(k1[i] + 1e-20));
                norms[i] = norm;
                for (long c = (long)i * d1, last = c + d1; c < last; c++)
                {
                    splat[c] = bary[c] * norm;
                    slice[c] = bary[c] * alpha * norm;
                }
            }
        }
    }

    public PermutohedralLattice Lattice { get; }

    /// <summary>
    /// Gives this kernel's arrays and its lattice's back for the next image (<see cref="ImageArrays"/>); only the
    /// kernel's owner calls it, once nothing will read the kernel again (the cached Gaussian kernels are never released).
    /// </summary>
    public void Release()
    {
        ImageArrays.Return(Norm);
        ImageArrays.Return(SplatWeights);
        ImageArrays.Return(SliceWeights);
        Lattice.Release();
    }

    private SplatGatherList? _gather;

    /// <summary>
    /// The splat transposed for the GPU (no float atomics in core Vulkan): per vertex the corners it
    /// receives, pixels ascending, with their splat weights. Built on first use and kept.
    /// </summary>
    public SplatGatherList Gather => _gather ??= SplatGatherList.Build(Lattice, SplatWeights);
    /// <summary>1/sqrt(K·1 + 1e-20) per pixel.</summary>
    public float[] Norm { get; }
    /// <summary>Barycentric weight × norm of the corner's pixel.</summary>
    public float[] SplatWeights { get; }
    /// <summary>Barycentric weight × alpha × norm of the corner's pixel.</summary>
    public float[] SliceWeights { get; }

    public static float[] GaussianFeatures(int height, int width, float sxy)
    {
        var f = GC.AllocateUninitializedArray<float>(height * width * 2);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 2;
                f[i] = x / sxy;
                f[i + 1] = y / sxy;
            }
        return f;
    }

    public static float[] BilateralFeatures(RgbImage image, float sxy, float srgb)
    {
        int h = image.Height, w = image.Width;
        var f = ImageArrays.Rent<float>(h * w * 5);
        var px = image.Pixels;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int p = y * w + x, i = p * 5;
                f[i] = x / sxy;
                f[i + 1] = y / sxy;
                f[i + 2] = px[p * 3] / srgb;
                f[i + 3] = px[p * 3 + 1] / srgb;
                f[i + 4] = px[p * 3 + 2] / srgb;
            }
        return f;
    }
}

/// <summary>CSR of the transposed splat: the corners of vertex v are [Start[v], Start[v+1]).</summary>
internal sealed class SplatGatherList
{
    private SplatGatherList(uint[] start, uint[] pixel, float[] weight)
    {
        Start = start;
        Pixel = pixel;
        Weight = weight;
    }

    public uint[] Start { get; }
    public uint[] Pixel { get; }
    public float[] Weight { get; }

    public static SplatGatherList Build(PermutohedralLattice lattice, float[] cornerWeights)
    {
        int m = lattice.VertexCount, d1 = lattice.Dimension + 1;
        var offsets = lattice.Offsets;
        var start = new uint[m + 1];
        foreach (int v in offsets) start[v + 1]++;
        for (int v = 0; v < m; v++) start[v + 1] += start[v];
        var fill = (uint[])start.Clone();
        var pixel = new uint[offsets.Length];
        var weight = new float[offsets.Length];
        for (int c = 0; c < offsets.Length; c++)
        {
            uint slot = fill[offsets[c]]++;
            pixel[slot] = (uint)(c / d1);
            weight[slot] = cornerWeights[c];
        }
        return new SplatGatherList(start, pixel, weight);
    }
}
