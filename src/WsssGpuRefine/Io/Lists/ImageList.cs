using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Lists;

/// <summary>
/// Image-id lists in both forms the seed methods use: bare ids (<c>2007_000032</c>; IRN, Puzzle-CAM, VWE)
/// and VOC/PSA lines (<c>/JPEGImages/2007_000032.jpg /SegmentationClassAug/2007_000032.png</c>), whose id
/// is the stem of the first path. Blank lines are skipped; a repeated id is an error, since every
/// consumer scores or writes each image once. The first path may be <c>ID.ext</c>, <c>DIR/ID.ext</c> or
/// <c>/DIR/ID.ext</c>; anything else (<c>../</c>, deeper or absolute paths such as <c>/data/voc/x.jpg</c>,
/// control characters) is refused rather than silently reduced to its stem.
/// </summary>
public static class ImageList
{
    /// <summary>Reads an image-id list file (bare ids or VOC/PSA path lines) in file order.</summary>
    /// <exception cref="WsssInputException">The file cannot be read, a line has no id, or an id repeats; the exception names the file and line.</exception>
    public static IReadOnlyList<string> Read(string path)
    {
        return InputFile.Read(path, () => Parse(Lines(InputFile.ReadText(path, MaxBytes, "an image list"))));
    }

    /// <summary>
    /// The largest list read, 256 MiB: ImageNet's 1.28 million training ids take about 50 MiB, VOC's train_aug 130 KB. A
    /// larger file, or a device that never ends (--list /dev/urandom), is no list.
    /// </summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>The lines of <paramref name="text"/>, split as File.ReadAllLines splits them (\n, \r\n or \r).</summary>
    private static IEnumerable<string> Lines(string text)
    {
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line) yield return line;
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
            if (trimmed.Any(c => char.IsControl(c) && !char.IsWhiteSpace(c)))
                throw new WsssInputException(null, $"line {lineNumber}: control character (e.g. NUL) in the line; is this a text list?");
            string first = trimmed.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
            string id = first.Contains('/') || first.Contains('.') ? Path.GetFileNameWithoutExtension(first) : first;
            if (id.Length == 0 || id == ".") throw new WsssInputException(null, $"line {lineNumber}: no image id in '{trimmed}'");
            if (!IsListPath(first))
                throw new WsssInputException(null, $"line {lineNumber}: '{first}' is not an id, ID.ext, DIR/ID.ext or /DIR/ID.ext " +
                                                   "(paths with '..', '\\' or more folders are refused, not reduced to their stem)");
            if (!seen.TryAdd(id, lineNumber))
                throw new WsssInputException(null, $"line {lineNumber}: duplicated id '{id}' (first on line {seen[id]})");
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>An id or the forms list files use: ID.ext, DIR/ID.ext, /DIR/ID.ext (VOC/PSA lines), no '..' part.</summary>
    private static bool IsListPath(string first)
    {
        if (first.Contains('\\')) return false;
        var parts = (first.StartsWith('/') ? first[1..] : first).Split('/');
        return parts.Length <= 2 && parts.All(p => p.Length > 0 && p != "." && p != "..");
    }
}
