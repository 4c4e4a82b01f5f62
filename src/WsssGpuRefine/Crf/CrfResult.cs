using WsssGpuRefine.Core;

namespace WsssGpuRefine.Crf;

/// <summary>The output of one CRF: marginals Q and the argmax label index per pixel.</summary>
public sealed class CrfResult
{
    internal CrfResult(int labelCount, int height, int width, float[] marginals, byte[] labels)
    {
        LabelCount = labelCount;
        Height = height;
        Width = width;
        Marginals = marginals;
        Labels = labels;
    }

    /// <summary>Number of CRF labels n (channels of <see cref="Marginals"/>); label indices run 0..n−1.</summary>
    public int LabelCount { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Height * Width.</summary>
    public int PixelCount => Height * Width;

    /// <summary>Q[l, y, x] at (l·H + y)·W + x, float32, each pixel summing to 1.</summary>
    public float[] Marginals { get; }

    /// <summary>
    /// argmax_l Q (the first maximum) as a label index 0..n−1, or 255 where the parameters' unsure
    /// threshold applies.
    /// </summary>
    public byte[] Labels { get; }

    /// <summary>The label indices as a map (indices, not VOC ids).</summary>
    public LabelMap LabelIndexMap() => new(Height, Width, (byte[])Labels.Clone());

    /// <summary>Labels mapped through <paramref name="labelIds"/> (index → VOC id); 255 stays 255.</summary>
    public LabelMap ToLabelMap(IReadOnlyList<int> labelIds)
    {
        ArgumentNullException.ThrowIfNull(labelIds);
        if (labelIds.Count != LabelCount)
            throw new ArgumentException($"{labelIds.Count} label ids for {LabelCount} labels", nameof(labelIds));
        var lut = new byte[256];
        Array.Fill(lut, LabelMap.Ignore);
        for (int l = 0; l < LabelCount; l++)
        {
            if (labelIds[l] is < 0 or > 255) throw new ArgumentException($"label id {labelIds[l]} is not a byte", nameof(labelIds));
            lut[l] = (byte)labelIds[l];
        }
        var result = new byte[PixelCount];
        for (int i = 0; i < result.Length; i++) result[i] = lut[Labels[i]];
        return new LabelMap(Height, Width, result);
    }

    /// <summary>The marginals as class maps with the given VOC id per channel.</summary>
    public ClassMaps ToClassMaps(int[] labelIds)
    {
        ArgumentNullException.ThrowIfNull(labelIds);
        if (labelIds.Length != LabelCount)
            throw new ArgumentException($"{labelIds.Length} label ids for {LabelCount} labels", nameof(labelIds));
        return new ClassMaps((int[])labelIds.Clone(), Height, Width, Marginals);
    }
}
