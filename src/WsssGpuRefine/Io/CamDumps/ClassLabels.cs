using System.Globalization;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Pickle;

namespace WsssGpuRefine.Io.CamDumps;

/// <summary>
/// Image-level labels from a <c>cls_labels.npy</c>: image id -> the present 0-based foreground classes.
/// Reads both key styles: IRN's int32 numpy scalars (2007000032 for "2007_000032") and PSA's str ids.
/// </summary>
public sealed class ClassLabels
{
    private readonly Dictionary<string, IReadOnlySet<int>> _present;

    private ClassLabels(Dictionary<string, IReadOnlySet<int>> present) => _present = present;

    /// <summary>Image id -> 0-based foreground classes whose multi-hot entry is non-zero.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<int>> ByImage => _present;

    /// <summary>Number of images listed.</summary>
    public int Count => _present.Count;

    /// <summary>The 0-based foreground classes (0..19; VOC id minus 1) present in an image; false when the image is not listed.</summary>
    /// <param name="imageId">A VOC id such as "2007_000032".</param>
    /// <param name="present">The present classes, or null when the image is not listed.</param>
    public bool TryGetPresent(string imageId, out IReadOnlySet<int> present)
    {
        if (_present.TryGetValue(imageId, out var p)) { present = p; return true; }
        present = null!;
        return false;
    }

    /// <summary>The present classes of an image; WsssInputException when the image is not listed.</summary>
    public IReadOnlySet<int> PresentFor(string imageId) =>
        _present.TryGetValue(imageId, out var p) ? p : throw new WsssInputException(null, $"image '{imageId}' has no image-level label");

    /// <summary>Reads a <c>cls_labels.npy</c> (a pickled dict, IRN or PSA key style).</summary>
    /// <exception cref="WsssInputException">The file cannot be read or is not an image id -> multi-hot vector dict; the exception names the file.</exception>
    public static ClassLabels Read(string path)
    {
        var array = NpyReader.Read(path);
        try
        {
            return FromArray(array);
        }
        catch (WsssInputException e)
        {
            throw e.WithFile(path);
        }
    }

    /// <summary>Builds the labels from an already read object array holding one pickled dict (image id -> multi-hot vector).</summary>
    /// <exception cref="WsssInputException">The array is not such a dict, a key is neither a str nor an integer VOC id, a value is not a vector, or an id repeats.</exception>
    public static ClassLabels FromArray(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.DType.Type != NpyElementType.Object || array.Rank != 0 || array.Objects is not [PyDict dict])
            throw new WsssInputException(null, "cls_labels must be a pickled dict (image id -> multi-hot vector)");
        var present = new Dictionary<string, IReadOnlySet<int>>(dict.Count, StringComparer.Ordinal);
        foreach (var (key, value) in dict)
        {
            string id = key switch
            {
                string s => s,
                long l => FromInteger(l),
                NpyScalar { IsInteger: true } n => FromInteger(n.ToInt64()),
                _ => throw new WsssInputException(null, $"cls_labels key {key} is neither a str nor an integer id"),
            };
            if (value is not NpyArray { Rank: 1 } vector)
                throw new WsssInputException(null, $"cls_labels value of '{id}' is not a vector");
            var v = vector.ToFloat32();
            var set = new SortedSet<int>();
            for (int c = 0; c < v.Length; c++)
                if (v[c] != 0) set.Add(c);
            if (!present.TryAdd(id, set)) throw new WsssInputException(null, $"cls_labels lists '{id}' twice");
        }
        return new ClassLabels(present);
    }

    /// <summary>IRN keys drop the underscore: the first four digits are the year.</summary>
    private static string FromInteger(long value)
    {
        string s = value.ToString(CultureInfo.InvariantCulture);
        if (value < 0 || s.Length <= 4) throw new WsssInputException(null, $"cls_labels integer key {value} is not a VOC id");
        return s[..4] + "_" + s[4..];
    }
}
