using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.RandomWalk;

/// <summary>Labels and scores of one refined image.</summary>
/// <param name="Labels">VOC ids (H, W).</param>
/// <param name="Scores">
/// IRN: the foreground channels after global-max normalisation (the background is the constant
/// threshold). AffinityNet: the propagated background and present-class channels, unnormalised
/// (what SSDD saves as RW scores).
/// </param>
public sealed record RandomWalkResult(LabelMap Labels, ClassMaps Scores);

/// <summary>
/// Affinity random-walk refinement of CAMs (jiwoon-ahn/irn step/make_sem_seg_labels.py; jiwoon-ahn/psa infer_aff.py). Picks the GPU dispatch
/// when handed a Vulkan backend, the CPU stencil otherwise.
/// </summary>
public static class RandomWalker
{
    /// <summary>
    /// Runs the whole recipe named by <see cref="RandomWalkOptions.Recipe"/>: IRN takes the stride
    /// map <paramref name="cam"/> (or a full-resolution one with <see cref="RandomWalkOptions.PoolFullResolutionCam"/>),
    /// AffinityNet the full-resolution CAM.
    /// </summary>
    public static RandomWalkResult Refine(ClassMaps cam, RandomWalkAffinity affinity, int imageHeight, int imageWidth,
        RandomWalkOptions options, ComputeBackend? backend = null, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cam);
        if (options.Recipe == RandomWalkRecipe.Irn)
            return RefineIrn(cam, affinity, imageHeight, imageWidth, options, backend, file);
        if (cam.Height != imageHeight || cam.Width != imageWidth)
            throw new WsssInputException(file,
                $"the AffinityNet random walk needs the full-resolution CAM: {cam.Height}x{cam.Width} is not the image's {imageHeight}x{imageWidth}");
        return RefineAffinityNet(cam, affinity, options, backend, file);
    }

    /// <summary>
    /// IRN (step/make_sem_seg_labels.py): x_c = cam_c^p · (1 − B) (when the affinity knows a
    /// boundary map B: <see cref="RandomWalkAffinity.Boundary"/>), propagate, bilinear ×stride, crop to H×W, divide by the
    /// global max, prepend the constant background threshold, argmax (ties to the lowest index).
    /// </summary>
    /// <remarks>cam: Foreground CAMs on the stride grid (a stored background channel is dropped).</remarks>
    public static RandomWalkResult RefineIrn(ClassMaps cam, RandomWalkAffinity affinity, int imageHeight, int imageWidth,
        RandomWalkOptions options, ComputeBackend? backend = null, string? file = null)
    {
        var scores = IrnScores(cam, affinity, imageHeight, imageWidth, options, backend, file);
        return new RandomWalkResult(IrnLabels(scores, options), scores);
    }

    /// <summary>The IRN walk's normalised full-resolution foreground scores (<see cref="RefineIrn"/> without the labels).</summary>
    internal static ClassMaps IrnScores(ClassMaps cam, RandomWalkAffinity affinity, int imageHeight, int imageWidth,
        RandomWalkOptions options, ComputeBackend? backend, string? file)
    {
        ArgumentNullException.ThrowIfNull(cam);
        ArgumentNullException.ThrowIfNull(affinity);
        ArgumentNullException.ThrowIfNull(options);
        ValidateImageSize(imageHeight, imageWidth);
        cam = cam.ForegroundOnly();
        if (cam.Height == imageHeight && cam.Width == imageWidth && options.Stride > 1)
        {
            if (!options.PoolFullResolutionCam)
                throw new WsssInputException(file,
                    $"the CAM is full-resolution ({imageHeight}x{imageWidth}); the IRN random walk needs the stride-{options.Stride} map (or enable pooling the full-resolution CAM)");
            cam = PoolToStride(cam, options.Stride);
        }
        int h = affinity.Height, w = affinity.Width;
        CheckGrid(cam, affinity, file);
        if ((long)h * options.Stride < imageHeight || (long)w * options.Stride < imageWidth
            || (h - 1L) * options.Stride >= imageHeight || (w - 1L) * options.Stride >= imageWidth)
            throw new WsssInputException(file,
                $"a {h}x{w} grid at stride {options.Stride} does not cover a {imageHeight}x{imageWidth} image");
        CheckFinite(cam, file);
        CheckForegroundIds(cam, file);

        int channels = cam.Channels, n = h * w;
        var x = new float[channels * n];
        var boundary = affinity.Boundary;
        for (int c = 0; c < channels; c++)
        {
            var src = cam.Channel(c);
            for (int p = 0; p < n; p++)
            {
                float v = src[p];
                if (options.CamPower != 1f)
                {
                    if (v < 0f)
                        throw new WsssInputException(file, $"CAM value {v} is negative and cannot be raised to {options.CamPower}");
                    v = MathF.Pow(v, options.CamPower);
                }
                x[c * n + p] = boundary is null ? v : v * (1f - boundary[p]);
            }
        }

        Propagate(x, channels, affinity, options, backend);

        var scores = RandomWalkResampling.Bilinear(x, channels, h, w, h * options.Stride, w * options.Stride,
            imageHeight, imageWidth, options.AlignCorners);
        float max = float.NegativeInfinity;
        foreach (float v in scores) max = MathF.Max(max, v);
        // An all-zero walk (no CAM mass) would divide 0 by 0; leave it zero so every pixel is background.
        if (max > 0f)
        {
            for (int i = 0; i < scores.Length; i++) scores[i] /= max;
        }

        return new ClassMaps((int[])cam.LabelIds.Clone(), imageHeight, imageWidth, scores);
    }

    /// <summary>IRN's labels of the walk's scores: argmax over [threshold; scores], ties to the background.</summary>
    internal static LabelMap IrnLabels(ClassMaps scores, RandomWalkOptions options) =>
        ScoreLabels.Label(scores, new BackgroundRule.Constant(options.BackgroundThreshold));

    /// <summary>
    /// AffinityNet (PSA infer_aff.py, SEAM): stack [(1 − max)^α; present classes] at full
    /// resolution, zero-pad to a multiple of the stride, average-pool, propagate, bilinear up to the
    /// padded size, crop and argmax over all 21 VOC channels (absent classes score 0) with no threshold.
    /// </summary>
    /// <remarks>cam: Full-resolution foreground CAMs (a stored background channel is dropped).</remarks>
    public static RandomWalkResult RefineAffinityNet(ClassMaps cam, RandomWalkAffinity affinity,
        RandomWalkOptions options, ComputeBackend? backend = null, string? file = null)
    {
        var scores = AffinityNetScores(cam, affinity, options, backend, file);
        return new RandomWalkResult(AffinityNetLabels(scores), scores);
    }

    /// <summary>
    /// The AffinityNet walk's full-resolution scores [background; present classes in VOC-id order], unnormalised
    /// (<see cref="RefineAffinityNet"/> without the labels).
    /// </summary>
    internal static ClassMaps AffinityNetScores(ClassMaps cam, RandomWalkAffinity affinity,
        RandomWalkOptions options, ComputeBackend? backend, string? file)
    {
        ArgumentNullException.ThrowIfNull(cam);
        ArgumentNullException.ThrowIfNull(affinity);
        ArgumentNullException.ThrowIfNull(options);
        cam = cam.ForegroundOnly();
        int height = cam.Height, width = cam.Width, s = options.Stride;
        ValidateImageSize(height, width);
        int h = (height + s - 1) / s, w = (width + s - 1) / s;
        if (affinity.Height != h || affinity.Width != w)
            throw new WsssInputException(file,
                $"affinity grid {affinity.Height}x{affinity.Width} does not match the {h}x{w} stride-{s} grid of a {height}x{width} CAM");
        CheckFinite(cam, file);
        CheckForegroundIds(cam, file);

        var (stack, ids) = AffinityNetStack(cam, options.BackgroundAlpha);
        int channels = ids.Length;
        var x = RandomWalkResampling.AreaPool(stack, channels, height, width, s, zeroPadded: true);

        Propagate(x, channels, affinity, options, backend);

        var scores = RandomWalkResampling.Bilinear(x, channels, h, w, h * s, w * s, height, width, options.AlignCorners);
        return new ClassMaps(ids, height, width, scores);
    }

    /// <summary>
    /// PSA's full-resolution stack (infer_aff.py): [(1 − max)^α; present classes in VOC-id order], the max taken over
    /// all 20 VOC channels, so absent classes (zero channels there) take part in it.
    /// </summary>
    internal static (float[] Stack, int[] Ids) AffinityNetStack(ClassMaps cam, float alpha)
    {
        // Channels in VOC-id order so that ties resolve as PSA's 21-channel argmax does.
        var order = Enumerable.Range(0, cam.Channels).OrderBy(c => cam.LabelIds[c]).ToArray();
        int channels = order.Length + 1, pixels = cam.PixelCount;
        var stack = new float[channels * pixels];
        bool someAbsent = cam.Channels < 20;
        var background = new BackgroundRule.Power(alpha);
        for (int p = 0; p < pixels; p++)
        {
            // Absent classes are zero channels in the reference, so they take part in the max.
            float max = someAbsent ? 0f : float.NegativeInfinity;
            for (int k = 0; k < order.Length; k++)
            {
                float v = cam.Data[order[k] * pixels + p];
                stack[(k + 1) * pixels + p] = v;
                max = MathF.Max(max, v);
            }
            stack[p] = background.Score(max);
        }
        var ids = new int[channels];
        for (int k = 0; k < order.Length; k++) ids[k + 1] = cam.LabelIds[order[k]];
        return (stack, ids);
    }

    /// <summary>
    /// PSA's labels of the walk's scores: argmax over all 21 VOC channels, absent classes scoring 0 (so an absent
    /// class wins where every present score is negative), ties to the lowest VOC id.
    /// </summary>
    internal static LabelMap AffinityNetLabels(ClassMaps scores)
    {
        int[] ids = scores.LabelIds;
        int channels = ids.Length, height = scores.Height, width = scores.Width, pixels = scores.PixelCount;
        var data = scores.Data;
        int lowestAbsent = Enumerable.Range(1, 20).Where(id => !ids.Contains(id)).DefaultIfEmpty(int.MaxValue).First();

        var labels = new byte[pixels];
        for (int p = 0; p < pixels; p++)
        {
            float best = data[p];
            int bestId = 0;
            for (int k = 1; k < channels; k++)
            {
                float v = data[k * pixels + p];
                if (v > best) { best = v; bestId = ids[k]; }
            }
            if (lowestAbsent != int.MaxValue && (0f > best || (0f == best && lowestAbsent < bestId)))
                bestId = lowestAbsent;
            labels[p] = (byte)bestId;
        }
        return new LabelMap(height, width, labels);
    }

    /// <summary>
    /// The walk itself on values (C, h, w) of the affinity's grid, in place: x ← x·T^(2^ExpTimes)
    /// for a stencil affinity (T = colnorm(A^β)), x ← x·M once for a dense matrix. A Vulkan backend
    /// runs the stencil steps on the GPU (float32; grids too large for one binding walk on the CPU);
    /// the dense matrix is always applied on the CPU.
    /// </summary>
    public static void Propagate(float[] values, int channels, RandomWalkAffinity affinity, RandomWalkOptions options,
        ComputeBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(affinity);
        ArgumentNullException.ThrowIfNull(options);
        if (channels < 0 || (long)channels * affinity.PixelCount != values.Length)
            throw new ArgumentException($"values hold {values.Length} floats, not {channels}x{affinity.Height}x{affinity.Width}", nameof(values));
        if (channels == 0) return;
        var host = backend ?? CpuBackend.Shared;
        if (affinity is DenseMatrixAffinity dense)
        {
            // One matrix product, bound by reading N² floats once: the CPU streams it as fast as an upload would.
            RandomWalkCpu.ApplyDense(dense, values, channels, host);
            return;
        }
        if (affinity is not StencilAffinity stencil)
            throw new ArgumentException($"unsupported affinity {affinity.GetType().Name}", nameof(affinity));
        host.Run(new StencilWalk(stencil, options, values, channels));
    }

    /// <summary>
    /// The propagation grid of an image at <paramref name="stride"/>: (ceil(H/s), ceil(W/s)), the
    /// size IRN's stride-4 <c>cam</c>, boundary map and WSGCN's matrix (N = h·w) and PSA's padded
    /// stride-8 features all have.
    /// </summary>
    public static (int Height, int Width) GridSize(int imageHeight, int imageWidth, int stride)
    {
        if (imageHeight <= 0 || imageWidth <= 0) throw new ArgumentOutOfRangeException(nameof(imageHeight), "image size must be positive");
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "must be positive");
        return ((imageHeight + stride - 1) / stride, (imageWidth + stride - 1) / stride);
    }

    /// <summary>
    /// Area-averages a full-resolution CAM to (ceil(H/s), ceil(W/s)), edge cells averaging only the
    /// pixels inside the image: the fallback when a dump lacks IRN's stride-4 <c>cam</c>.
    /// </summary>
    public static ClassMaps PoolToStride(ClassMaps fullResolution, int stride)
    {
        ArgumentNullException.ThrowIfNull(fullResolution);
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "must be positive");
        int h = (fullResolution.Height + stride - 1) / stride, w = (fullResolution.Width + stride - 1) / stride;
        var data = RandomWalkResampling.AreaPool(fullResolution.Data, fullResolution.Channels,
            fullResolution.Height, fullResolution.Width, stride, zeroPadded: false);
        return new ClassMaps((int[])fullResolution.LabelIds.Clone(), h, w, data);
    }

    private static void ValidateImageSize(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new WsssInputException(null, $"image size {height}x{width} is empty");
    }

    private static void CheckGrid(ClassMaps cam, RandomWalkAffinity affinity, string? file)
    {
        if (cam.Height != affinity.Height || cam.Width != affinity.Width)
            throw new WsssInputException(file,
                $"CAM grid {cam.Height}x{cam.Width} does not match the affinity grid {affinity.Height}x{affinity.Width}");
    }

    private static void CheckForegroundIds(ClassMaps cam, string? file)
    {
        foreach (int id in cam.LabelIds)
            if (id is < 1 or > 254)
                throw new WsssInputException(file, $"CAM label id {id} is not a foreground label (1..254)");
        if (cam.LabelIds.Distinct().Count() != cam.Channels)
            throw new WsssInputException(file, "CAM label ids repeat");
    }

    private static void CheckFinite(ClassMaps cam, string? file)
    {
        var data = cam.Data;
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new WsssInputException(file,
                    $"CAM value {data[i]} in channel {i / cam.PixelCount} is not finite");
    }
}
