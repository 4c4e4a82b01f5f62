using System.CommandLine;
using WsssGpuRefine.Backends;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>The options every command shares, with the names of the CLI contract.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> List(bool required = true) => new("--list")
    {
        Description = "image ids, one per line (or PSA-style '/JPEGImages/ID.jpg /SegmentationClassAug/ID.png' lines)",
        Required = required,
    };

    public static Option<DirectoryInfo> Gt(bool required) => new("--gt")
    {
        Description = "ground-truth label PNGs ID.png (palette or grayscale; 255 = ignore)",
        Required = required,
    };

    public static Option<DirectoryInfo> Cams(bool required) => new("--cams")
    {
        Description = "CAM dumps ID.npy (any seed format, auto-detected unless --format names one)",
        Required = required,
    };

    public static Option<DirectoryInfo> Images(bool required) => new("--images")
    {
        Description = "RGB images ID.jpg (or .png)",
        Required = required,
    };

    public static Option<string?> Format() => new("--format")
    {
        Description = "CAM dump format preset (irn, advcam, bes, conta, rpnet, cda, wsgcn, puzzlecam, vwe, psa, seam, sccam, cpn, ssdd, icd, bg-fg)",
    };

    public static Option<FileInfo?> ClassLabels() => new("--cls-labels")
    {
        Description = "image-level labels (cls_labels.npy) for format detection and ICD dumps; default: classes present in --gt",
    };

    public static Option<int> Classes() => new("--classes")
    {
        Description = "number of classes including background",
        DefaultValueFactory = _ => 21,
    };

    public static Option<BackendPreference> Backend() => new("--backend")
    {
        Description = "where kernels run: auto (best real GPU, else CPU), cpu, vulkan",
        DefaultValueFactory = _ => BackendPreference.Auto,
    };

    public static Option<FileInfo?> Json() => new("--json")
    {
        Description = "write the machine-readable result here",
    };

    public static Option<bool> KeepGoing() => new("--keep-going")
    {
        Description = "skip bad items, report them all at the end (the exit code is still non-zero)",
    };

    public static Option<int> BatchSize() => new("--batch-size")
    {
        Description = "images decoded and computed together (bounds memory)",
        DefaultValueFactory = _ => 32,
    };

    public static Option<string?> Shard() => new("--shard")
    {
        Description = "K/N: process only ids K, K+N, K+2N, ... (0-based K; e.g. $SLURM_ARRAY_TASK_ID/4); combine with 'wsss merge'",
    };

    public static Option<DirectoryInfo?> Report() => new("--report")
    {
        Description = "write report.md (per-class IoU), class_iou.png, miou_vs_threshold.png (sweeps) and contact_sheet.png (with --images) here",
    };
}
