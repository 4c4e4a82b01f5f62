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
        public Constant(double threshold)
        {
            if (!double.IsFinite(threshold))
                throw new ArgumentOutOfRangeException(nameof(threshold), "threshold must be finite");
            Threshold = threshold;
        }

        public double Threshold { get; }
        public float Threshold32 => (float)Threshold;
        public override string ToString() => $"threshold {Threshold}";
    }

    /// <summary>PSA rule: background = (1 - max_c cam)^alpha.</summary>
    public sealed record Power : BackgroundRule
    {
        public Power(double alpha)
        {
            if (!double.IsFinite(alpha) || alpha < 0)
                throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be finite and non-negative");
            Alpha = alpha;
        }

        public double Alpha { get; }
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
