using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Lists;

/// <summary>
/// Image-id lists in both forms the seed methods use: bare ids (<c>2007_000032</c>; IRN, Puzzle-CAM, VWE)
/// and VOC/PSA lines (<c>/JPEGImages/2007_000032.jpg /SegmentationClassAug/2007_000032.png</c>), whose id
/// is the stem of the first path. Blank lines are skipped; a repeated id is an error, since every
/// consumer scores or writes each image once.
/// </summary>
public static class ImageList
{
    /// <summary>Reads an image-id list file (bare ids or VOC/PSA path lines) in file order.</summary>
    /// <exception cref="WsssInputException">The file cannot be read, a line has no id, or an id repeats; the exception names the file and line.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        return InputFile.Read(path, () => Parse(File.ReadAllLines(path)));
    }

    /// <summary>Parses list lines; errors name the 1-based line.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var ids = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in lines)
        {
            lineNumber++;
            string trimmed = line.Trim();
            if (trimmed.Length == 0) continue;
            string first = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
            string id = first.Contains('/') || first.Contains('.') ? Path.GetFileNameWithoutExtension(first) : first;
            if (id.Length == 0) throw new WsssInputException(null, $"line {lineNumber}: no image id in '{trimmed}'");
            if (!seen.TryAdd(id, lineNumber))
                throw new WsssInputException(null, $"line {lineNumber}: duplicated id '{id}' (first on line {seen[id]})");
            ids.Add(id);
        }
        return ids;
    }
}
