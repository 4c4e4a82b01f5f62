using WsssGpuRefine.Core;

namespace WsssGpuRefine.Crf;

/// <summary>
/// Unary energies U (n labels, H, W), channel-major float32, as pydensecrf's setUnaryEnergy takes
/// them. Build them with the factory of the unary kind a recipe uses (lucasb-eyer/pydensecrf densecrf/src/unary.cpp).
/// </summary>
public sealed class CrfUnary
{
    /// <summary>pydensecrf's unary_from_softmax clip and ICD's floor.</summary>
    public const float ProbabilityFloor = 1e-5f;

    /// <summary>Labels are returned as bytes with 255 reserved for "unsure".</summary>
    public const int MaxLabels = 254;

    /// <summary>Wraps ready-made unary energies without copying them (the factories build them from maps or labels).</summary>
    /// <param name="labelCount">Number of CRF labels n, 1..<see cref="MaxLabels"/>.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="energies">(n, H, W) channel-major energies −log p, all finite; kept, not copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">The label count or a size is out of range.</exception>
    /// <exception cref="ArgumentException">The array length is not n * H * W.</exception>
    /// <exception cref="WsssInputException">An energy is NaN or infinite (it would spread NaN through the lattice).</exception>
    public CrfUnary(int labelCount, int height, int width, float[] energies)
    {
        ArgumentNullException.ThrowIfNull(energies);
        if (labelCount < 1 || labelCount > MaxLabels)
            throw new ArgumentOutOfRangeException(nameof(labelCount), $"a CRF needs 1..{MaxLabels} labels");
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), "image sizes must be positive");
        if ((long)labelCount * height * width != energies.Length)
            throw new ArgumentException($"energies hold {energies.Length} values, not {labelCount}x{height}x{width}", nameof(energies));
        // A non-finite energy would turn whole neighbourhoods into NaN through the lattice.
        foreach (float e in energies)
            if (!float.IsFinite(e))
                throw new WsssInputException(null, "CRF unary energies must be finite");
        LabelCount = labelCount;
        Height = height;
        Width = width;
        Energies = energies;
    }

    /// <summary>Number of CRF labels n.</summary>
    public int LabelCount { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height * Width.</summary>
    public int PixelCount => Height * Width;
    /// <summary>U[l, y, x] at (l·H + y)·W + x.</summary>
    public float[] Energies { get; }

    /// <summary>U = −log(clip(p, 1e-5, 1)), no softmax: PSA-family stacks go in as they are.</summary>
    public static CrfUnary FromScores(ClassMaps scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        CheckMaps(scores);
        var u = new float[scores.Data.Length];
        var src = scores.Data;
        for (int i = 0; i < u.Length; i++)
        {
            float p = src[i];
            // NaN would survive the clip; treat it as the floor rather than poisoning every message.
            p = float.IsNaN(p) ? ProbabilityFloor : Math.Clamp(p, ProbabilityFloor, 1f);
            u[i] = -MathF.Log(p);
        }
        return new CrfUnary(scores.Channels, scores.Height, scores.Width, u);
    }

    /// <summary>
    /// A real per-pixel softmax over the channels (max subtracted, float32), then as
    /// <see cref="FromScores"/> (the clip at 1e-5 included).
    /// </summary>
    public static CrfUnary FromSoftmax(ClassMaps logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        CheckMaps(logits);
        int n = logits.Channels, px = logits.PixelCount;
        var src = logits.Data;
        var u = new float[src.Length];
        Span<float> e = n <= 256 ? stackalloc float[n] : new float[n];
        for (int i = 0; i < px; i++)
        {
            float max = float.NegativeInfinity;
            for (int l = 0; l < n; l++) max = Math.Max(max, src[l * px + i]);
            if (!float.IsFinite(max))
                throw new WsssInputException(null, "softmax input holds a non-finite value");
            float sum = 0;
            for (int l = 0; l < n; l++) { e[l] = MathF.Exp(src[l * px + i] - max); sum += e[l]; }
            for (int l = 0; l < n; l++)
                u[l * px + i] = -MathF.Log(Math.Clamp(e[l] / sum, ProbabilityFloor, 1f));
        }
        return new CrfUnary(n, logits.Height, logits.Width, u);
    }

    /// <summary>
    /// pydensecrf's unary_from_labels with zero_unsure = False: −log(gtProb) at the pixel's label,
    /// −log((1 − gtProb)/(n − 1)) at every other label. Labels are indices 0..n−1.
    /// </summary>
    public static CrfUnary FromLabels(LabelMap labels, int labelCount, float gtProb)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labelCount < 1 || labelCount > MaxLabels)
            throw new ArgumentOutOfRangeException(nameof(labelCount), $"a label unary needs 1..{MaxLabels} labels");
        if (!(gtProb > 0 && gtProb < 1))
            throw new ArgumentOutOfRangeException(nameof(gtProb), "gt_prob must lie in (0, 1)");
        CheckSize(labels.Height, labels.Width);
        int px = labels.PixelCount;
        // One label (an image with no class next to its background): the reference's off-label
        // energy would divide by zero; the only sensible CRF is the certain one.
        if (labelCount == 1)
        {
            if (labels.Labels.AsSpan().IndexOfAnyExcept((byte)0) is int bad and >= 0)
                throw new WsssInputException(null, $"label {labels.Labels[bad]} at pixel ({bad / labels.Width}, {bad % labels.Width}) is outside the CRF's 1 label");
            return new CrfUnary(1, labels.Height, labels.Width, new float[px]);
        }
        // The reference computes both energies in float64 and stores them as float32.
        float onLabel = (float)-Math.Log(gtProb);
        float offLabel = (float)-Math.Log((1.0 - gtProb) / (labelCount - 1));
        var u = new float[labelCount * px];
        Array.Fill(u, offLabel);
        var lab = labels.Labels;
        for (int i = 0; i < px; i++)
        {
            int l = lab[i];
            if (l >= labelCount)
                throw new WsssInputException(null, $"label {l} at pixel ({i / labels.Width}, {i % labels.Width}) is outside the CRF's {labelCount} labels");
            u[l * px + i] = onLabel;
        }
        return new CrfUnary(labelCount, labels.Height, labels.Width, u);
    }

    /// <summary>
    /// ICD's seed unary (js-fan/ICD run_icd.py): p = (1 − c)/n everywhere plus c at the seed label,
    /// renormalised per pixel; a seed outside 0..n−1 (255 = undefined) leaves p uniform;
    /// U = −log(max(p, 1e-5)). Seeds are VOC ids, so n is 21 for VOC.
    /// </summary>
    public static CrfUnary FromIcdSeeds(LabelMap seeds, int labelCount = 21, float confidence = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (labelCount < 2 || labelCount > MaxLabels)
            throw new ArgumentOutOfRangeException(nameof(labelCount), $"an ICD unary needs 2..{MaxLabels} labels");
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), "confidence must lie in (0, 1)");
        CheckSize(seeds.Height, seeds.Width);
        int px = seeds.PixelCount;
        // float32 throughout, as the reference's np.float32 array.
        float rest = (1 - confidence) / labelCount;
        float seededSum = confidence + (labelCount - 1) * rest;
        float uSeed = -MathF.Log(Math.Max(confidence / seededSum, ProbabilityFloor));
        float uOther = -MathF.Log(Math.Max(rest / seededSum, ProbabilityFloor));
        float uUniform = -MathF.Log(Math.Max(rest / (labelCount * rest), ProbabilityFloor));
        var u = new float[labelCount * px];
        var lab = seeds.Labels;
        for (int i = 0; i < px; i++)
        {
            int s = lab[i];
            if (s >= labelCount)
            {
                for (int l = 0; l < labelCount; l++) u[l * px + i] = uUniform;
                continue;
            }
            for (int l = 0; l < labelCount; l++) u[l * px + i] = l == s ? uSeed : uOther;
        }
        return new CrfUnary(labelCount, seeds.Height, seeds.Width, u);
    }

    /// <summary>
    /// The unary a parameter set asks for from score maps: Scores, Softmax, or Labels from the
    /// channel argmax (ties to the lowest channel) with n = channel count. IcdSeeds needs a seed map:
    /// use <see cref="FromIcdSeeds"/>.
    /// </summary>
    public static CrfUnary FromMaps(ClassMaps maps, CrfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.Unary switch
        {
            CrfUnaryKind.Scores => FromScores(maps),
            CrfUnaryKind.Softmax => FromSoftmax(maps),
            CrfUnaryKind.Labels => FromLabels(Argmax(maps), maps.Channels, parameters.GtProb),
            _ => throw new ArgumentException("the ICD unary is built from a seed label map (CrfUnary.FromIcdSeeds), not from score maps", nameof(parameters)),
        };
    }

    /// <summary>Channel index of the largest value per pixel; ties go to the lowest channel.</summary>
    public static LabelMap Argmax(ClassMaps maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        CheckMaps(maps);
        int n = maps.Channels, px = maps.PixelCount;
        if (n > MaxLabels) throw new WsssInputException(null, $"{n} channels exceed the CRF's {MaxLabels} labels");
        var result = new byte[px];
        var best = maps.Channel(0).ToArray();
        var data = maps.Data;
        for (int l = 1; l < n; l++)
        {
            int o = l * px;
            for (int i = 0; i < px; i++)
            {
                // Strictly greater keeps the first maximum, as numpy's argmax.
                if (data[o + i] > best[i]) { best[i] = data[o + i]; result[i] = (byte)l; }
            }
        }
        return new LabelMap(maps.Height, maps.Width, result);
    }

    private static void CheckMaps(ClassMaps maps)
    {
        if (maps.Channels < 1) throw new WsssInputException(null, "a CRF needs at least one channel");
        if (maps.Channels > MaxLabels) throw new WsssInputException(null, $"{maps.Channels} channels exceed the CRF's {MaxLabels} labels");
        CheckSize(maps.Height, maps.Width);
    }

    private static void CheckSize(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new WsssInputException(null, $"empty {height}x{width} map");
    }
}
