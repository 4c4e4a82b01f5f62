using System.Reflection;

namespace WsssGpuRefine.Datasets;

/// <summary>PASCAL VOC 2012 as described by the embedded files under <c>datasets/voc2012/</c>.</summary>
public static class Voc2012
{
    /// <summary>Label classes including background: 0 background, 1..20 the VOC object classes.</summary>
    public const int ClassCount = 21;
    /// <summary>The label value of void (boundary and difficult) pixels in VOC ground truth; never scored.</summary>
    public const byte Void = 255;

    private static readonly Lazy<string[]> LazyNames = new(() => EmbeddedText.Lines("datasets/voc2012/classes.txt"));
    private static readonly Lazy<byte[]> LazyPalette = new(LoadPalette);

    /// <summary>Class names, index = label value.</summary>
    public static IReadOnlyList<string> ClassNames => LazyNames.Value;

    /// <summary>The colour map as 256 RGB triples (768 bytes), as written into our palette PNGs.</summary>
    public static ReadOnlySpan<byte> Palette => LazyPalette.Value;

    /// <summary>A display name for a label value of a K-class dataset (VOC names when K = 21).</summary>
    public static string NameOf(int label, int classes) =>
        classes == ClassCount && label < ClassCount ? ClassNames[label] : $"class {label}";

    private static byte[] LoadPalette()
    {
        var palette = new byte[256 * 3];
        foreach (string line in EmbeddedText.Lines("datasets/voc2012/palette.txt"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int index = int.Parse(parts[0]);
            for (int c = 0; c < 3; c++) palette[index * 3 + c] = byte.Parse(parts[c + 1]);
        }
        return palette;
    }
}

internal static class EmbeddedText
{
    /// <summary>Non-empty lines of an embedded text file, '#' comments dropped.</summary>
    public static string[] Lines(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource '{resource}' is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToArray();
    }
}
