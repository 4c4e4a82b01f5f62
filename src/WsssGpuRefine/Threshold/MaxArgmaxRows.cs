using System.Numerics;
using System.Runtime.CompilerServices;

namespace WsssGpuRefine.Threshold;

/// <summary>
/// The row operation every CAM-to-label rule shares: per pixel, the maximum over the foreground maps and the
/// FIRST channel reaching it (strictly-greater updates keep the lowest index, which is how numpy's argmax
/// breaks ties).
/// </summary>
internal static class MaxArgmaxRows
{
    /// <summary>Chunk length the callers use for their stack buffers.</summary>
    public const int ChunkPixels = 1024;

    /// <param name="data">channel-major maps (C, N)</param>
    /// <param name="max">receives the max, or -infinity when there is no channel</param>
    /// <param name="argmax">receives the channel index (0 when there is no channel)</param>
    public static void Compute(ReadOnlySpan<float> data, int channels, int pixelCount, int start,
        Span<float> max, Span<int> argmax)
    {
        int count = max.Length;
        if (channels == 0)
        {
            max.Fill(float.NegativeInfinity);
            argmax.Clear();
            return;
        }
        data.Slice(start, count).CopyTo(max);
        argmax.Clear();
        for (int k = 1; k < channels; k++)
        {
            ReadOnlySpan<float> channel = data.Slice(k * pixelCount + start, count);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var kv = new Vector<int>(k);
                for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var v = new Vector<float>(channel.Slice(i));
                    var m = new Vector<float>(max.Slice(i));
                    Vector<int> greater = Vector.GreaterThan(v, m);
                    Vector.ConditionalSelect(greater, v, m).CopyTo(max.Slice(i));
                    Vector.ConditionalSelect(greater, kv, new Vector<int>(argmax.Slice(i))).CopyTo(argmax.Slice(i));
                }
            }
            for (; i < count; i++)
            {
                float v = channel[i];
                if (v > max[i])
                {
                    max[i] = v;
                    argmax[i] = k;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ChunkLength(int pixelCount, int start) => Math.Min(ChunkPixels, pixelCount - start);
}
