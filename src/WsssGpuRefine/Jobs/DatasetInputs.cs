using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Io.Lists;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;

namespace WsssGpuRefine.Jobs;

/// <summary>
/// Where the jobs find a dataset's files (VOC layout: ID.png labels, ID.npy dumps, ID.jpg images) and how each
/// is read; every failure names the file.
/// </summary>
internal static class DatasetInputs
{
    public static string LabelPath(string directory, string id) => Path.Combine(directory, id + ".png");
    public static string CamPath(string directory, string id) => Path.Combine(directory, id + ".npy");

    /// <summary>The image of an id: ID.jpg as in VOC, or .jpeg/.png.</summary>
    public static string ImagePath(string directory, string id)
    {
        foreach (string ext in new[] { ".jpg", ".jpeg", ".png", ".JPG", ".PNG" })
        {
            string path = Path.Combine(directory, id + ext);
            if (File.Exists(path)) return path;
        }
        throw new WsssInputException(Path.Combine(directory, id + ".jpg"), "image not found (tried .jpg, .jpeg and .png)");
    }

    /// <summary>The ids of a list file; a list without any is an error naming the file.</summary>
    public static IReadOnlyList<string> ReadList(string path)
    {
        var ids = ImageList.Read(path);
        return ids.Count > 0 ? ids : throw new WsssInputException(path, "the list holds no image ids");
    }

    /// <summary>The ground truth of an id; a label outside 0..classes-1 that is not 255 (ignore) is an error naming the file.</summary>
    public static LabelMap ReadGroundTruth(string directory, string id, int classes)
    {
        string path = LabelPath(directory, id);
        var gt = ReadLabels(path);
        CheckLabelRange(path, gt, classes);
        return gt;
    }

    /// <summary>Rejects a label map holding a value the run's classes cannot count (255 is ignore and allowed).</summary>
    public static void CheckLabelRange(string file, LabelMap labels, int classes)
    {
        Span<bool> seen = stackalloc bool[256];
        foreach (byte v in labels.Labels) seen[v] = true;
        for (int v = classes; v < 255; v++)
            if (seen[v]) throw new WsssInputException(file, $"label {v} is outside 0..{classes - 1} (255 = ignore; check --classes)");
    }

    public static LabelMap ReadLabels(string path) => LabelPngReader.Read(path);

    /// <summary>The full-resolution CAMs of a dump and the name of the format it was read as.</summary>
    public static (ClassMaps Cams, string Format) ReadCams(string path, string? format, IReadOnlySet<int>? presentForeground, bool presentExact, int height, int width,
        long maxDumpElements = NpyReadLimits.DefaultMaxElements)
    {
        var dump = ReadDump(path, format, presentForeground, presentExact, height, width, maxDumpElements);
        return (dump.HighRes, dump.FormatName);
    }

    public static CamDump ReadDump(string path, string? format, IReadOnlySet<int>? presentForeground, int height, int width,
        long maxDumpElements = NpyReadLimits.DefaultMaxElements) =>
        ReadDump(path, format, presentForeground, presentExact: true, height, width, maxDumpElements);

    /// <param name="presentExact">True when the classes are the image-level label; false when seen in the ground truth.</param>
    public static CamDump ReadDump(string path, string? format, IReadOnlySet<int>? presentForeground, bool presentExact, int height, int width,
        long maxDumpElements = NpyReadLimits.DefaultMaxElements) =>
        CamDumpReader.Read(path, new CamReadOptions
        {
            Limits = maxDumpElements == NpyReadLimits.DefaultMaxElements ? NpyReadLimits.Default : new NpyReadLimits { MaxElements = maxDumpElements },
            Preset = format is null ? null : CamFormatPreset.Get(format),
            PresentForegroundClasses = presentForeground,
            PresentClassesExact = presentExact,
            ImageHeight = height,
            ImageWidth = width,
        });

    public static ClassLabels ReadClassLabels(string path, bool countDifficult = true) => ClassLabels.Read(path, countDifficult);

    /// <summary>An id's present classes; an unreadable annotation of that id fails the id alone, naming its file.</summary>
    public static IReadOnlySet<int> PresentClasses(ClassLabels labels, string id, string file) =>
        labels.TryGetPresent(id, out var present) ? present
        : labels.Unreadable.TryGetValue(id, out var broken) ? throw broken
        : throw new WsssInputException(file, $"no image-level label for id '{id}'");

    /// <summary>
    /// The image-level label a dump is read with: from cls_labels.npy when given, else the classes in the ground
    /// truth, else none (formats that need one then ask for --format).
    /// </summary>
    public static IReadOnlySet<int>? PresentFor(string id, ClassLabels? classLabels, string? classLabelsFile, LabelMap? gt) =>
        classLabels is not null ? PresentClasses(classLabels, id, classLabelsFile!)
        : gt is not null ? PresentForegroundClasses(gt) : null;

    /// <summary>Rejects CAM channels whose class id the run's class count cannot hold.</summary>
    public static void CheckClassIds(string file, ClassMaps cams, int classes)
    {
        foreach (int labelId in cams.LabelIds)
            if (labelId >= classes)
                throw new WsssInputException(file, $"class id {labelId} is outside 0..{classes - 1} (check --classes)");
    }

    /// <summary>The 0-based foreground classes present in a ground truth (VOC ids 1..K-1, minus one).</summary>
    public static IReadOnlySet<int> PresentForegroundClasses(LabelMap gt)
    {
        Span<bool> seen = stackalloc bool[256];
        foreach (byte v in gt.Labels) seen[v] = true;
        var present = new SortedSet<int>();
        for (int v = 1; v < 255; v++) if (seen[v]) present.Add(v - 1);
        return present;
    }

    public static void CheckSameSize(string file, int height, int width, LabelMap gt)
    {
        if (height != gt.Height || width != gt.Width)
            throw new WsssInputException(file, $"size {width}x{height} does not match the ground truth's {gt.Width}x{gt.Height}");
    }
}
