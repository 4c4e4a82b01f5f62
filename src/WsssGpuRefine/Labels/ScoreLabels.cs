using WsssGpuRefine.Core;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Labels;

/// <summary>
/// Scores → labels, the one place the seed methods' rule lives: put a background channel (a
/// <see cref="BackgroundRule"/>) under the foreground scores M_1..M_C, take the argmax over [bg; M] with ties to the
/// lowest index (so to the background, then to the first class, as numpy's argmax), and map channel k to its VOC id
/// through keys' = [0] ∪ ids (IRN step/cam_to_ir_label.py and eval_cam.py: <c>np.pad(cams, ..., constant_values=t)</c>,
/// <c>np.argmax</c>, <c>keys[...]</c>; PSA infer_cls.py: <c>np.concatenate((bg_score, v))</c>). A stored background
/// channel (label id 0) is always dropped first and rebuilt by the rule.
/// </summary>
public static class ScoreLabels
{
    /// <summary>keys' = [0] ∪ ids: the VOC id of each channel of a stack [bg; M].</summary>
    /// <param name="foreground">Foreground maps (a stored background channel is skipped).</param>
    /// <returns>A new array: 0, then the foreground label ids in channel order.</returns>
    public static int[] Keys(ClassMaps foreground)
    {
        ArgumentNullException.ThrowIfNull(foreground);
        return [0, .. foreground.LabelIds.Where(id => id != 0)];
    }

    /// <summary>The stack [bg; M_1..M_C] in float32, bg per pixel from the rule, channel 0 carrying VOC id 0.</summary>
    /// <param name="cams">Score maps; a stored background channel is dropped and rebuilt by the rule.</param>
    /// <param name="rule">The background rule. With no foreground class at all the max is taken as 0.</param>
    /// <returns>New maps with <see cref="Keys"/> as label ids.</returns>
    public static ClassMaps Stack(ClassMaps cams, BackgroundRule rule)
    {
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(rule);
        var fg = cams.ForegroundOnly();
        int n = fg.PixelCount, classes = fg.Channels;
        var data = new float[(classes + 1) * n];
        fg.Values.Span.CopyTo(data.AsSpan(n));
        if (rule is BackgroundRule.Constant constant)
        {
            Array.Fill(data, constant.Threshold32, 0, n);
        }
        else
        {
            Span<float> max = stackalloc float[MaxArgmaxRows.ChunkPixels];
            Span<int> arg = stackalloc int[MaxArgmaxRows.ChunkPixels];
            for (int start = 0; start < n; start += MaxArgmaxRows.ChunkPixels)
            {
                int len = MaxArgmaxRows.ChunkLength(n, start);
                MaxArgmaxRows.Compute(fg.Values.Span, classes, n, start, max[..len], arg[..len]);
                for (int i = 0; i < len; i++)
                    data[start + i] = rule.Score(classes == 0 ? 0f : max[i]);
            }
        }
        return new ClassMaps(Keys(fg), fg.Height, fg.Width, data);
    }

    /// <summary>VOC ids of argmax over [bg; M] (ties to the lowest index, so to the background).</summary>
    /// <param name="cams">Score maps; a stored background channel is ignored.</param>
    /// <param name="rule">The background rule.</param>
    /// <returns>VOC ids per pixel.</returns>
    public static LabelMap Label(ClassMaps cams, BackgroundRule rule) => Argmax(cams, rule, indices: false);

    /// <summary>
    /// Channel indices into keys' = [0] ∪ ids of argmax over [bg; M] (0 = background, c + 1 = foreground channel c),
    /// the label map a label-unary CRF takes.
    /// </summary>
    /// <param name="cams">Score maps; a stored background channel is ignored.</param>
    /// <param name="rule">The background rule.</param>
    /// <returns>Indices 0..C per pixel.</returns>
    public static LabelMap Indices(ClassMaps cams, BackgroundRule rule) => Argmax(cams, rule, indices: true);

    private static LabelMap Argmax(ClassMaps cams, BackgroundRule rule, bool indices)
    {
        ArgumentNullException.ThrowIfNull(cams);
        ArgumentNullException.ThrowIfNull(rule);
        var fg = cams.ForegroundOnly();
        var output = new LabelMap(fg.Height, fg.Width);
        LabelInto(fg, rule, output.Labels, indices);
        return output;
    }

    /// <summary>
    /// The CPU rule over foreground-only maps into <paramref name="labels"/>: per pixel the max m and first argmax a
    /// of M, then m &gt; bg(m) ? key(a) : 0 — the same as the argmax over [bg; M] with ties to the background.
    /// </summary>
    internal static void LabelInto(ClassMaps fg, BackgroundRule rule, Span<byte> labels, bool indices)
    {
        int n = fg.PixelCount;
        var keys = new byte[fg.Channels];
        for (int c = 0; c < keys.Length; c++) keys[c] = (byte)(indices ? c + 1 : fg.LabelIds[c]);
        Span<float> max = stackalloc float[MaxArgmaxRows.ChunkPixels];
        Span<int> arg = stackalloc int[MaxArgmaxRows.ChunkPixels];
        for (int start = 0; start < n; start += MaxArgmaxRows.ChunkPixels)
        {
            int len = MaxArgmaxRows.ChunkLength(n, start);
            Span<float> m = max[..len];
            Span<int> a = arg[..len];
            MaxArgmaxRows.Compute(fg.Values.Span, fg.Channels, n, start, m, a);
            Span<byte> row = labels.Slice(start, len);
            if (fg.Channels == 0)
            {
                row.Clear();
            }
            else if (rule is BackgroundRule.Constant constant)
            {
                // The constant case is the hot path of every threshold evaluation: no virtual call per pixel.
                float t = constant.Threshold32;
                for (int i = 0; i < len; i++) row[i] = m[i] > t ? keys[a[i]] : (byte)0;
            }
            else
            {
                for (int i = 0; i < len; i++) row[i] = m[i] > rule.Score(m[i]) ? keys[a[i]] : (byte)0;
            }
        }
    }

    /// <summary>The VOC id of one pixel of foreground-only maps under the rule, exactly as <see cref="Label"/> gives it.</summary>
    internal static byte LabelPixel(ClassMaps fg, int pixel, BackgroundRule rule)
    {
        int n = fg.PixelCount;
        if (fg.Channels == 0) return 0;
        var values = fg.Values.Span;
        float m = values[pixel];
        int a = 0;
        for (int c = 1; c < fg.Channels; c++)
        {
            float v = values[c * n + pixel];
            if (v > m)
            {
                m = v;
                a = c;
            }
        }
        return m > rule.Score(m) ? (byte)fg.LabelIds[a] : (byte)0;
    }
}
