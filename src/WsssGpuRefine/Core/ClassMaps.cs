namespace WsssGpuRefine.Core;

/// <summary>
/// A stack of per-class score maps for one image, channel-major (C, H, W), float32 as every seed
/// method stores them. <see cref="LabelIds"/> maps each channel to its VOC label value
/// (0 = background, c+1 = foreground class c); a background channel, where a dump carries one,
/// is simply a channel whose label id is 0.
/// </summary>
public sealed class ClassMaps
{
    /// <summary>Wraps existing channel-major data without copying it.</summary>
    /// <param name="labelIds">VOC label value of each channel, 0..254 (0 = background, c+1 = foreground class c).</param>
    /// <param name="height">Map height in pixels.</param>
    /// <param name="width">Map width in pixels.</param>
    /// <param name="data">(C, H, W) values, exactly labelIds.Length * height * width of them; kept, not copied.</param>
    /// <exception cref="ArgumentException">The data length does not match (C, H, W), or a label id is outside 0..254.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public ClassMaps(int[] labelIds, int height, int width, float[] data)
        : this(labelIds, height, width, (data ?? throw new ArgumentNullException(nameof(data))).AsMemory())
    {
        _array = data;
    }

    /// <summary>
    /// Wraps memory the caller owns (a pooled buffer, or a <see cref="System.Buffers.MemoryManager{T}"/> over a
    /// native tensor's storage, e.g. a contiguous float32 CPU <c>torch.Tensor</c>) without copying it. The caller keeps
    /// the memory alive and unchanged while the engine runs on these maps. <see cref="Values"/> and
    /// <see cref="Channel"/> read it in place, and so do the threshold rule, the score stack, the threshold sweep and the GPU upload;
    /// other operations read <see cref="Data"/>, which for memory that is not a whole array is one copy taken on first access.
    /// </summary>
    /// <param name="labelIds">VOC label value of each channel, 0..254.</param>
    /// <param name="height">Map height in pixels.</param>
    /// <param name="width">Map width in pixels.</param>
    /// <param name="data">(C, H, W) values, exactly labelIds.Length * height * width of them; kept, not copied.</param>
    /// <exception cref="ArgumentException">The data length does not match (C, H, W), or a label id is outside 0..254.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public ClassMaps(int[] labelIds, int height, int width, Memory<float> data)
    {
        ArgumentNullException.ThrowIfNull(labelIds);
        if (height < 0 || width < 0)
            throw new ArgumentOutOfRangeException(nameof(height), "sizes must not be negative");
        if ((long)labelIds.Length * height * width != data.Length)
            throw new ArgumentException(
                $"data holds {data.Length} values, not {labelIds.Length}x{height}x{width}", nameof(data));
        foreach (int id in labelIds)
            if (id is < 0 or > 254)
                throw new ArgumentException($"label id {id} is outside 0..254 (255 means ignore)", nameof(labelIds));
        LabelIds = labelIds;
        Height = height;
        Width = width;
        Values = data;
    }

    private float[]? _array;

    /// <summary>VOC label value of each channel.</summary>
    public int[] LabelIds { get; }
    /// <summary>Number of channels C (one per entry of <see cref="LabelIds"/>).</summary>
    public int Channels => LabelIds.Length;
    /// <summary>Map height H in pixels (the CAM's resolution, which may differ from the image's before upsampling).</summary>
    public int Height { get; }
    /// <summary>Map width W in pixels.</summary>
    public int Width { get; }
    /// <summary>H * W, the length of one channel.</summary>
    public int PixelCount => Height * Width;
    /// <summary>Channel-major values, read in place: channel k, row y, column x is at (k*H + y)*W + x.</summary>
    public Memory<float> Values { get; }

    /// <summary>
    /// The values as an array: the array itself when the maps wrap a whole array, else (maps over other memory)
    /// one copy taken on first access and kept, so later changes to that memory do not reach it.
    /// </summary>
    public float[] Data => _array ??= WholeArray(Values) ?? Values.ToArray();

    private static float[]? WholeArray(Memory<float> values) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(values, out var segment)
        && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : null;

    /// <summary>The (H, W) plane of channel <paramref name="k"/> (a channel index, not a label id), as a writable view into <see cref="Values"/>.</summary>
    public Span<float> Channel(int k) => Values.Span.Slice(k * PixelCount, PixelCount);

    /// <summary>True when one channel stands for the background (variants B and E).</summary>
    public bool HasBackgroundChannel => Array.IndexOf(LabelIds, 0) >= 0;

    /// <summary>The foreground channels only, in order (drops a stored background channel).</summary>
    public ClassMaps ForegroundOnly()
    {
        int bg = Array.IndexOf(LabelIds, 0);
        if (bg < 0) return this;
        var ids = LabelIds.Where(id => id != 0).ToArray();
        var data = new float[ids.Length * PixelCount];
        int o = 0;
        for (int k = 0; k < Channels; k++)
        {
            if (LabelIds[k] == 0) continue;
            Channel(k).CopyTo(data.AsSpan(o * PixelCount, PixelCount));
            o++;
        }
        return new ClassMaps(ids, Height, Width, data);
    }
}
