namespace WsssGpuRefine.Threshold;

/// <summary>How the background score is formed before the argmax over [background; foreground maps].</summary>
public abstract record BackgroundRule
{
    private BackgroundRule() { }

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
        /// <summary>"threshold T", for messages and reports.</summary>
        public override string ToString() => $"threshold {Threshold}";
    }

    /// <summary>PSA rule: background = (1 - max_c cam)^alpha.</summary>
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
        /// <summary>"bg-power ALPHA", for messages and reports.</summary>
        public override string ToString() => $"bg-power {Alpha}";

        /// <summary>
        /// Integer alphas (every seed recipe uses 4, 6, 16, 24 or 32) are evaluated by square-and-multiply in
        /// float32 on every backend, so CPU and GPU agree bit for bit; other alphas fall back to pow.
        /// </summary>
        internal bool IsSmallInteger => Alpha == Math.Floor(Alpha) && Alpha <= 64;

        internal float Evaluate(float maxScore)
        {
            float baseValue = 1f - maxScore;
            if (!IsSmallInteger) return MathF.Pow(baseValue, (float)Alpha);
            int e = (int)Alpha;
            float result = 1f;
            while (e != 0)
            {
                if ((e & 1) != 0) result *= baseValue;
                baseValue *= baseValue;
                e >>= 1;
            }
            return result;
        }
    }
}
