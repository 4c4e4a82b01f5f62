using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Crf;

/// <summary>
/// The fully connected CRF exactly as pydensecrf computes it (lucasb-eyer/pydensecrf densecrf/src/densecrf.cpp, permutohedral.cpp): Potts
/// compatibility, a Gaussian kernel on (x/sxy, y/sxy) and a bilateral kernel on
/// (x/sxy, y/sxy, R/srgb, G/srgb, B/srgb), each filtered with the permutohedral lattice (self term
/// kept, DIAG kernel, symmetric normalisation), Q⁰ = softmax(−U) and
/// Q ← softmax(−U + Σ_k w_k · K̃_k Q) for the given number of iterations, in float32.
/// </summary>
public static class DenseCrf
{
    /// <summary>
    /// Builds the lattices of <paramref name="image"/> for <paramref name="parameters"/>; reuse the
    /// result for every CRF of that image with those parameters. A Vulkan backend builds them on the
    /// device (the CPU lattice is made only if a CRF of this image falls back to the CPU); dispose the
    /// result to give the device buffers back.
    /// </summary>
    public static CrfImage Prepare(ComputeBackend backend, RgbImage image, CrfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(parameters);
        if (image.Height <= 0 || image.Width <= 0)
            throw new WsssInputException(null, $"empty {image.Width}x{image.Height} image");
        int height = image.Height, width = image.Width;
        PreparedKernel? gaussian = null, bilateral = null;
        try
        {
            if (parameters.HasGaussian)
            {
                float sxy = parameters.GaussianSxy;
                gaussian = backend.Run(new LatticeBuild(2, () => CrfKernel.GaussianFeatures(height, width, sxy),
                    parallel => GaussianKernels.Get(height, width, sxy, parallel), SharedCpu: true, DeviceCacheKey: (height, width, sxy)));
            }
            if (parameters.HasBilateral)
            {
                float[]? features = null;
                float[] Features() => features ??= CrfKernel.BilateralFeatures(image, parameters.BilateralSxy, parameters.BilateralSrgb);
                bilateral = backend.Run(new LatticeBuild(5, Features,
                    parallel => new CrfKernel(PermutohedralLattice.Build(Features(), 5, parallel), parallel), SharedCpu: false));
                // A CPU-built lattice is done with its features; a device-built one may still build its CPU twin from them.
                if (bilateral.Device is null) ImageArrays.Return(features);
            }
        }
        catch
        {
            gaussian?.Dispose();
            throw;
        }
        return new CrfImage(backend, image.Height, image.Width, parameters, gaussian, bilateral);
    }

    /// <summary>One CRF of a ready-made unary.</summary>
    public static CrfResult Run(ComputeBackend backend, RgbImage image, CrfUnary unary, CrfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(unary);
        CheckSameSize(image, unary.Height, unary.Width);
        using var prepared = Prepare(backend, image, parameters);
        return prepared.Infer(unary);
    }

    /// <summary>
    /// One CRF of score maps with the unary the parameters name (Scores, Softmax, or Labels from the
    /// channel argmax with n = channel count). <see cref="CrfResult.Labels"/> are channel indices;
    /// map them with <c>result.ToLabelMap(maps.LabelIds)</c>.
    /// </summary>
    public static CrfResult Refine(ComputeBackend backend, RgbImage image, ClassMaps maps, CrfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSameSize(image, maps.Height, maps.Width);
        return Run(backend, image, CrfUnary.FromMaps(maps, parameters), parameters);
    }

    /// <summary>
    /// One CRF of a seed map: ICD seeds (VOC ids, 255 undefined; n defaults to 21) with the IcdSeeds
    /// unary, or label indices with the Labels unary (n required).
    /// </summary>
    public static CrfResult RefineSeeds(ComputeBackend backend, RgbImage image, LabelMap seeds, CrfParameters parameters, int labelCount = 21)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSameSize(image, seeds.Height, seeds.Width);
        var unary = parameters.Unary switch
        {
            CrfUnaryKind.IcdSeeds => CrfUnary.FromIcdSeeds(seeds, labelCount, parameters.GtProb),
            CrfUnaryKind.Labels => CrfUnary.FromLabels(seeds, labelCount, parameters.GtProb),
            _ => throw new ArgumentException("a seed map needs the labels or icd unary", nameof(parameters)),
        };
        return Run(backend, image, unary, parameters);
    }

    /// <summary>
    /// The Gaussian kernel depends on the image size and sxy only, and datasets repeat a few sizes
    /// (most VOC images are 500×375 or 375×500): keep the last few, immutable once built.
    /// </summary>
    private static class GaussianKernels
    {
        private const int Capacity = 4;
        private static readonly LinkedList<((int H, int W, float Sxy) Key, CrfKernel Kernel)> Recent = new();

        public static CrfKernel Get(int height, int width, float sxy, ParallelOptions parallel)
        {
            var key = (height, width, sxy);
            lock (Recent)
            {
                for (var node = Recent.First; node is not null; node = node.Next)
                {
                    if (node.Value.Key != key) continue;
                    Recent.Remove(node);
                    Recent.AddFirst(node);
                    return node.Value.Kernel;
                }
            }
            var kernel = new CrfKernel(PermutohedralLattice.Build(
                CrfKernel.GaussianFeatures(height, width, sxy), 2, parallel), parallel);
            lock (Recent)
            {
                Recent.AddFirst((key, kernel));
                while (Recent.Count > Capacity) Recent.RemoveLast();
            }
            return kernel;
        }
    }

    internal static void CheckSameSize(RgbImage image, int height, int width)
    {
        if (image.Height != height || image.Width != width)
            throw new WsssInputException(null,
                $"the image is {image.Width}x{image.Height} (WxH) but the CRF input is {width}x{height}; resize the maps to the image first");
    }
}
