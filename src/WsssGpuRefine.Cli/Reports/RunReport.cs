using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Images;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Cli.Reports;

/// <summary>Writes a run's <c>--report DIR</c>: the score table and plots, and a contact sheet of a sample of ids.</summary>
internal static class RunReport
{
    private const int SampleSize = 8;

    /// <param name="pseudoLabel">the run's label for an id and its CAMs (null where the run made none)</param>
    public static void Write(string directory, EvalReport? score, int classes, IReadOnlyList<string> ids, string? imagesDirectory,
        string? camsDirectory, string? format, string? gtDirectory, Func<string, ClassMaps?, LabelMap?> pseudoLabel)
    {
        var written = new List<string>();
        if (score is not null) written.AddRange(EvalPlots.Write(directory, score, classes));
        if (imagesDirectory is not null)
        {
            var rows = new List<ContactSheetRow>();
            foreach (string id in ContactSheet.Sample(ids, SampleSize))
            {
                try
                {
                    var image = RgbImageReader.Read(DatasetInputs.ImagePath(imagesDirectory, id));
                    var gt = gtDirectory is null ? null : DatasetInputs.ReadGroundTruth(gtDirectory, id, classes);
                    ClassMaps? cams = null;
                    if (camsDirectory is not null)
                    {
                        var present = DatasetInputs.PresentFor(id, null, null, gt);
                        cams = DatasetInputs.ReadDump(DatasetInputs.CamPath(camsDirectory, id), format, present, presentExact: false, image.Height, image.Width).HighRes;
                    }
                    var label = pseudoLabel(id, cams);
                    // Overlays of another size would be drawn striped and shifted: the row is left out, and says why.
                    var sizes = new (string What, int Height, int Width)?[]
                    {
                        gt is null ? null : ("ground truth", gt.Height, gt.Width),
                        cams is null ? null : ("CAMs", cams.Height, cams.Width),
                        label is null ? null : ("pseudo label", label.Height, label.Width),
                    };
                    if (sizes.FirstOrDefault(x => x is { } v && (v.Height != image.Height || v.Width != image.Width)) is { } other)
                        throw new WsssInputException(null, $"the image is {image.Width}x{image.Height}, its {other.What} {other.Width}x{other.Height}");
                    rows.Add(new ContactSheetRow(id, image, cams, label, gt));
                }
                catch (WsssInputException e)
                {
                    Console.Error.WriteLine($"info: contact sheet skips {id}: {e.Message}");
                }
            }
            if (rows.Count > 0)
            {
                Directory.CreateDirectory(directory);
                string sheet = Path.Combine(directory, "contact_sheet.png");
                ContactSheet.Write(sheet, rows);
                written.Add(sheet);
            }
        }
        if (written.Count > 0) Console.WriteLine($"report: {string.Join(", ", written)}");
    }

    /// <summary>The PNGs a report writes; in refine's --out, an image of the same id has its label map there.</summary>
    private static readonly string[] PlotStems = ["class_iou", "miou_vs_threshold", "contact_sheet"];

    /// <summary>
    /// A usage error when <c>--report</c> is refine's <c>--out</c> and a listed image shares a plot's name: the plot would
    /// replace that image's label map (<c>class_iou.png</c>).
    /// </summary>
    public static void RefuseNamesOfImages(DirectoryInfo? reportDirectory, string outputDirectory, IReadOnlyList<string> ids)
    {
        if (reportDirectory is null || !Io.PathIdentity.SameFolderOnceCreated(reportDirectory.FullName, outputDirectory)) return;
        if (ids.FirstOrDefault(id => PlotStems.Contains(id, StringComparer.Ordinal)) is { } clash)
            throw new Commands.UsageException($"--report is the --out folder, where image {clash}'s label map {clash}.png would be replaced by a plot; choose another --report");
    }

    /// <summary>The label a CAM eval scored: the reported threshold (the best of a sweep) or power background.</summary>
    public static Func<string, ClassMaps?, LabelMap?> FromRule(EvalReport report) => (_, cams) =>
        cams is null ? null
        : report.Threshold is { } t ? ThresholdLabeling.Label(cams, new BackgroundRule.Constant(t))
        : report.BackgroundPower is { } a ? ThresholdLabeling.Label(cams, new BackgroundRule.Power(a)) : null;

    public static Func<string, ClassMaps?, LabelMap?> FromDirectory(string directory) => (id, _) =>
    {
        string path = Path.Combine(directory, id + ".png");
        return File.Exists(path) ? LabelPngReader.Read(path) : null;
    };
}
