using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Recipes;

/// <summary>BES's boundary-label parameters (mt-cly/BES run_sample.py:55-60).</summary>
public sealed record BesBoundaryOptions
{
    /// <summary>The square window of the class proportions (13).</summary>
    public int Window { get; init => field = value >= 1 && value % 2 == 1 ? value : throw new ArgumentException("the window must be an odd size of at least 1", nameof(Window)); } = 13;
    /// <summary>θ_scale (0.30).</summary>
    public float ThetaScale { get; init; } = 0.30f;
    /// <summary>θ_diff (0.10).</summary>
    public float ThetaDiff { get; init; } = 0.10f;
    /// <summary>The confident-region label the boundary labels come from (BES: ir_label at 0.30 / 0.07, <c>irn</c> CRF).</summary>
    public IrLabelOptions IrLabel { get; init => field = value ?? throw new ArgumentNullException(nameof(value)); } = IrLabelOptions.ForMethod("bes");

    /// <summary>Output value of background (0).</summary>
    public const byte Background = 0;
    /// <summary>Output value of foreground (50).</summary>
    public const byte Foreground = 50;
    /// <summary>Output value of a boundary between two foreground classes (100).</summary>
    public const byte BoundaryForegroundForeground = 100;
    /// <summary>Output value of a boundary between foreground and background (150).</summary>
    public const byte BoundaryForegroundBackground = 150;
    /// <summary>Output value of an ignored pixel (200).</summary>
    public const byte Ignored = 200;
}

/// <summary>
/// First and last step: BES's boundary labels (mt-cly/BES step/make_boundary_label.py:31-78): IRN's ir_label
/// (<see cref="IrLabelRecipe"/>, BES thresholds 0.30 / 0.07), then per pixel the share of background and of each
/// foreground class in a 13 × 13 window (<c>avg_pool2d</c>, padding not counted; 255 counts as no class), and
/// 0 / 50 / 100 / 150 / 200 for background, foreground, foreground–foreground boundary, foreground–background boundary
/// and ignored, as BES writes them (grayscale values, not VOC ids).
/// </summary>
/// <param name="options">Window, thresholds and the ir_label.</param>
public sealed class BesBoundaryLabelStep(BesBoundaryOptions? options = null) : CrfRecipeStep
{
    /// <summary>Window, thresholds and the ir_label.</summary>
    public BesBoundaryOptions Options { get; } = options ?? new BesBoundaryOptions();

    /// <inheritdoc/>
    public override string Name => "bes-boundary+crf";

    internal override void Run(ComputeBackend backend, RecipeState state, bool last)
    {
        state.Labels = Boundaries(IrLabelRecipe.Run(backend, state.Image, state.Foreground, Options.IrLabel), Options);
        state.Scores = null;
    }

    /// <summary>make_boundary_label.py:50-78 on a confident-region label map (VOC ids 0..20, 255 unsure).</summary>
    public static LabelMap Boundaries(LabelMap labels, BesBoundaryOptions options)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        int h = labels.Height, w = labels.Width, r = options.Window / 2;
        // Integral images of each class 0..20 (torch: seg_label.clamp(max=21), so 255 and 21 count as no class).
        const int Classes = 21;
        var integral = new int[Classes, h + 1, w + 1];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int v = labels.Labels[y * w + x];
            for (int c = 0; c < Classes; c++)
                integral[c, y + 1, x + 1] = integral[c, y, x + 1] + integral[c, y + 1, x] - integral[c, y, x] + (v == c ? 1 : 0);
        }
        float scale = options.ThetaScale, diff = options.ThetaDiff, scale2 = (float)(options.ThetaScale * 2.0), diff2 = (float)(options.ThetaDiff * 2.0);
        var output = new byte[h * w];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            int y0 = Math.Max(y - r, 0), y1 = Math.Min(y + r + 1, h), x0 = Math.Max(x - r, 0), x1 = Math.Min(x + r + 1, w);
            float count = (y1 - y0) * (x1 - x0);
            float Share(int c) => (integral[c, y1, x1] - integral[c, y0, x1] - integral[c, y1, x0] + integral[c, y0, x0]) / count;
            float bg = Share(0), top1 = 0, top2 = 0;
            for (int c = 1; c < Classes; c++)
            {
                float s = Share(c);
                if (s > top1) (top1, top2) = (s, top1);
                else if (s > top2) top2 = s;
            }
            byte label = BesBoundaryOptions.Ignored;
            if (bg > scale2 && bg - top1 >= diff2) label = BesBoundaryOptions.Background;
            if (top1 > scale2 && top1 - bg >= diff2) label = BesBoundaryOptions.Foreground;
            if (Math.Min(top1, bg) > scale && Math.Abs(top1 - bg) < diff) label = BesBoundaryOptions.BoundaryForegroundBackground;
            if (top2 > scale && top1 - top2 < diff) label = BesBoundaryOptions.BoundaryForegroundForeground;
            output[y * w + x] = label;
        }
        return new LabelMap(h, w, output);
    }
}
