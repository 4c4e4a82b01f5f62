namespace WsssGpuRefine.Io.Png;

/// <summary>
/// The standard 256-entry PASCAL VOC colour map, computed (the bits of the index spread over the high
/// bits of R, G and B; 255 = void comes out as (224, 224, 192)). It equals datasets/voc2012/palette.txt.
/// </summary>
internal static class VocColorMap
{
    /// <summary>RGB triples, 768 bytes.</summary>
    public static ReadOnlySpan<byte> Rgb => Map;

    private static readonly byte[] Map = Build();

    private static byte[] Build()
    {
        var map = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int bit = 7; bit >= 0; bit--)
            {
                r |= (c & 1) << bit;
                g |= ((c >> 1) & 1) << bit;
                b |= ((c >> 2) & 1) << bit;
                c >>= 3;
            }
            map[i * 3] = (byte)r;
            map[i * 3 + 1] = (byte)g;
            map[i * 3 + 2] = (byte)b;
        }
        return map;
    }
}
