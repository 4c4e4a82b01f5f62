namespace WsssGpuRefine.Labels;

/// <summary>
/// How the background score of a pixel is formed from the largest foreground score m there, before the argmax over
/// [background; foreground maps] (<see cref="ScoreLabels"/>). The one definition every path uses: thresholding,
/// the score stacks of the CRF and la/ha recipes, the AffinityNet random walk, and the GPU kernels' host checks.
/// </summary>
public abstract record BackgroundRule
{
    private BackgroundRule() { }

    /// <summary>The background score of a pixel whose largest foreground score is <paramref name="maxForeground"/>.</summary>
    /// <param name="maxForeground">max_c M_c at the pixel (0 when there is no foreground class at all).</param>
    /// <returns>The float32 value the seed methods put in the background channel.</returns>
    public abstract float Score(float maxForeground);

    /// <summary>
    /// IRN/SEAM rule: a background channel filled with a constant. The channel stack is float32 in every
    /// seed method, so the threshold is rounded to float32 before any comparison.
    /// </summary>
    public sealed record Constant : BackgroundRule
    {
        /// <summary>A constant background score, as IRN's and SEAM's <c>np.pad(cams, ..., constant_values=threshold)</c>.</summary>
        /// <param name="threshold">The background score, in the units of the stored CAMs (e.g. 0.15 for IRN's max-normed [0, 1) CAMs; CPN's halved CAMs need half the usual value).</param>
        /// <exception cref="ArgumentOutOfRangeException">The threshold is NaN or infinite.</exception>
        public Constant(double threshold)
        {
            if (!double.IsFinite(threshold))
                throw new ArgumentOutOfRangeException(nameof(threshold), "threshold must be finite");
            Threshold = threshold;
        }

        /// <summary>The threshold as given (double); reports and sweeps show this value.</summary>
        public double Threshold { get; }
        /// <summary>The threshold rounded to float32, the value actually compared with the float32 CAMs.</summary>
        public float Threshold32 => (float)Threshold;
        /// <summary>The threshold in float32, whatever the pixel's scores.</summary>
        /// <param name="maxForeground">Not used.</param>
        /// <returns><see cref="Threshold32"/>.</returns>
        public override float Score(float maxForeground) => Threshold32;
        /// <summary>"threshold T", for messages and reports.</summary>
        public override string ToString() => $"threshold {Threshold}";
    }

    /// <summary>
    /// PSA rule: background = (1 − max_c M_c)^α in float32, computed as the seed code computes it:
    /// <c>np.power(1 - np.max(v, axis=0), alpha)</c> on float32 arrays (jiwoon-ahn/psa infer_cls.py
    /// <c>_crf_with_alpha</c> and infer_aff.py; jiwoon-ahn/SEAM infer_SEAM.py <c>_crf_with_alpha</c>) runs numpy's
    /// float32 power loop, which calls C
    /// <c>powf</c>, and <see cref="MathF.Pow"/> calls the same <c>powf</c>. Integer and non-integer α alike: a
    /// square-and-multiply would differ from <c>powf</c> in the last bit for a fifth of the pixels.
    /// </summary>
    /// <remarks>
    /// numpy 1.22+ built with SVML (Linux x86-64 wheels, Debian's build) dispatches float32 power to SVML's powf16
    /// on AVX512_SKX CPUs instead, which differs from <c>powf</c> by one unit in the last place on about a fifth
    /// of the values; <c>NPY_DISABLE_CPU_FEATURES=AVX512_SKX</c> makes numpy call <c>powf</c> there too
    /// (tests/WsssGpuRefine.Tests/Fixtures/labels/make_power_background.py).
    /// </remarks>
    public sealed record Power : BackgroundRule
    {
        /// <summary>PSA's background score (1 - max_c cam)^alpha.</summary>
        /// <param name="alpha">The exponent; PSA and its descendants use 4..32 (PSA: 4 for the la stack, 32 for ha; SEAM: 24 for ha).</param>
        /// <exception cref="ArgumentOutOfRangeException">Alpha is NaN, infinite or negative.</exception>
        public Power(double alpha)
        {
            if (!double.IsFinite(alpha) || alpha < 0)
                throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be finite and non-negative");
            Alpha = alpha;
        }

        /// <summary>The exponent of (1 - max_c cam).</summary>
        public double Alpha { get; }
        /// <summary>The exponent in float32, as numpy casts a Python scalar exponent for a float32 array.</summary>
        public float Alpha32 => (float)Alpha;
        /// <summary>powf(1 − m, α) in float32.</summary>
        /// <param name="maxForeground">The pixel's largest foreground score m.</param>
        /// <returns>The background score.</returns>
        public override float Score(float maxForeground) => MathF.Pow(1f - maxForeground, Alpha32);
        /// <summary>"bg-power ALPHA", for messages and reports.</summary>
        public override string ToString() => $"bg-power {Alpha}";
    }
}
