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

    private ClassLabels(Dictionary<string, IReadOnlySet<int>> present, Dictionary<string, WsssInputException>? unreadable = null)
    {
        _present = present;
        Unreadable = unreadable ?? [];
    }

    /// <summary>
    /// Image id -> why its annotation could not be read (an <c>Annotations/</c> folder's malformed <c>ID.xml</c>): that
    /// image fails alone, and a <c>--keep-going</c> run goes on with the others.
    /// </summary>
    public IReadOnlyDictionary<string, WsssInputException> Unreadable { get; }

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

    /// <summary>
    /// Reads a <c>cls_labels.npy</c> (a pickled dict, IRN or PSA key style), or a VOC <c>Annotations/</c> folder of
    /// <c>ID.xml</c> files.
    /// </summary>
    /// <param name="path">The <c>.npy</c> file or the annotations folder.</param>
    /// <param name="countDifficult">
    /// For a folder: whether objects marked <c>difficult</c> count. IRN and PSA count every object
    /// (jiwoon-ahn/irn voc12/dataloader.py:33); ICD only non-difficult ones (js-fan/ICD core/utils/dataset_tools.py:41).
    /// </param>
    /// <exception cref="WsssInputException">The file cannot be read or is not an image id -> multi-hot vector dict; the exception names the file.</exception>
    public static ClassLabels Read(string path, bool countDifficult = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return FromAnnotations(path, countDifficult);
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
        int? length = null;
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
            length ??= v.Length;
            if (v.Length != length)
                throw new WsssInputException(null, $"cls_labels value of '{id}' has {v.Length} entries, others {length}");
            var set = new SortedSet<int>();
            for (int c = 0; c < v.Length; c++)
            {
                if (v[c] is not (0 or 1)) throw new WsssInputException(null, $"cls_labels value of '{id}' holds {v[c]} (entries are 0 or 1)");
                if (v[c] != 0) set.Add(c);
            }
            if (!present.TryAdd(id, set)) throw new WsssInputException(null, $"cls_labels lists '{id}' twice");
        }
        return new ClassLabels(present);
    }

    /// <summary>
    /// The present classes of every <c>ID.xml</c> in a VOC <c>Annotations/</c> folder: the <c>name</c> of each
    /// <c>object</c> that is one of the 20 VOC classes (others, e.g. person parts, are ignored).
    /// </summary>
    /// <exception cref="WsssInputException">The folder holds no XML file (a malformed one fails its own image: <see cref="Unreadable"/>).</exception>
    public static ClassLabels FromAnnotations(string directory, bool countDifficult)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var names = Datasets.Voc2012.ClassNames;
        var present = new Dictionary<string, IReadOnlySet<int>>(StringComparer.Ordinal);
        var unreadable = new Dictionary<string, WsssInputException>(StringComparer.Ordinal);
        var settings = new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Prohibit, XmlResolver = null };
        foreach (string file in Directory.EnumerateFiles(directory, "*.xml"))
        {
            var set = new SortedSet<int>();
            var difficultOnly = new SortedSet<int>();
            try
            {
                if (InputFile.HoldsNoByte(file))
                {
                    unreadable[Path.GetFileNameWithoutExtension(file)] = InputFile.NoByte(file);   // a pipe would never end the load
                    continue;
                }
                var document = new System.Xml.XmlDocument { XmlResolver = null };
                using (var reader = System.Xml.XmlReader.Create(file, settings)) document.Load(reader);
                foreach (System.Xml.XmlNode obj in document.SelectNodes("/annotation/object")!)
                {
                    string name = obj.SelectSingleNode("name")?.InnerText.Trim() ?? "";
                    int index = -1;
                    for (int c = 1; c < names.Count; c++) if (names[c] == name) index = c - 1;
                    if (index < 0) continue;
                    bool difficult = obj.SelectSingleNode("difficult")?.InnerText.Trim() == "1";
                    if (countDifficult || !difficult) set.Add(index);
                    else difficultOnly.Add(index);
                }
                // An image whose objects are all difficult keeps them (js-fan/ICD core/utils/dataset_tools.py:48-49).
                if (set.Count == 0) set.UnionWith(difficultOnly);
            }
            catch (System.Xml.XmlException e)
            {
                unreadable[Path.GetFileNameWithoutExtension(file)] = new WsssInputException(file, $"not a VOC annotation: {e.Message}");
                continue;
            }
            present[Path.GetFileNameWithoutExtension(file)] = set;
        }
        if (present.Count == 0 && unreadable.Count == 0) throw new WsssInputException(directory, "the folder holds no ID.xml annotation files");
        return new ClassLabels(present, unreadable);
    }

    /// <summary>IRN keys drop the underscore: the first four digits are the year.</summary>
    private static string FromInteger(long value)
    {
        string s = value.ToString(CultureInfo.InvariantCulture);
        if (value < 0 || s.Length <= 4) throw new WsssInputException(null, $"cls_labels integer key {value} is not a VOC id");
        return s[..4] + "_" + s[4..];
    }
}
