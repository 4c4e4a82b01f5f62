using System.Globalization;
using System.CommandLine;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Metrics;

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
        Description = "image-level labels (cls_labels.npy, or a VOC Annotations/ folder of ID.xml) for format detection and ICD dumps; default: classes present in --gt",
    };

    public static Option<string?> Method() => new("--method")
    {
        Description = "a seed method's whole recipe (format, label rule, random walk, CRF, metric, sweep, outputs; see 'wsss methods'); explicit flags override it",
        HelpName = string.Join("|", Methods.MethodPresets.Names),
        Validators =
        {
            result =>
            {
                string? text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
                if (text is not null && !Methods.MethodPresets.Names.Contains(text, StringComparer.OrdinalIgnoreCase))
                    result.AddError($"--method: unknown method '{text}' ({string.Join(", ", Methods.MethodPresets.Names)})");
            },
        },
    };

    public static Option<Io.Png.LabelPngFlavour?> Png() => new("--png")
    {
        Description = "label PNG flavour: gray (2-D uint8 for imageio-based readers: IRN family, Puzzle-CAM) or palette (VOC colours); 255 = ignore in both; default: the --method's, else palette",
        HelpName = "gray|palette",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (string.Equals(text, "gray", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "grey", StringComparison.OrdinalIgnoreCase))
                return Io.Png.LabelPngFlavour.Gray;
            if (string.Equals(text, "palette", StringComparison.OrdinalIgnoreCase)) return Io.Png.LabelPngFlavour.Palette;
            result.AddError($"--png: expected gray or palette, not '{text}'");
            return null;
        },
    };

    /// <summary>True when the user gave the option (not just its default).</summary>
    public static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    public static Option<int> Classes()
    {
        var option = new Option<int>("--classes")
        {
            Description = "number of classes including background (2..255)",
            DefaultValueFactory = _ => 21,
        };
        option.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
                && value is < 2 or > 255)
                result.AddError("--classes must be in 2..255");
        });
        return option;
    }

    public static Option<BackendPreference> Backend() => new("--backend")
    {
        Description = "where kernels run: auto (best real GPU, else CPU), cpu, vulkan",
        HelpName = "auto|cpu|vulkan",
        DefaultValueFactory = _ => BackendPreference.Auto,
        CustomParser = result => ParseBackend(result) ?? BackendPreference.Auto,
    };

    /// <summary>auto, cpu or vulkan (any case); else the usage error names the choices, not the enum's type.</summary>
    internal static BackendPreference? ParseBackend(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "auto";
        foreach (var value in Enum.GetValues<BackendPreference>())
            if (string.Equals(text, value.ToString(), StringComparison.OrdinalIgnoreCase)) return value;
        result.AddError($"--backend: expected auto, cpu or vulkan, not '{text}'");
        return null;
    }

    public static Option<FileInfo?> Json() => new("--json")
    {
        Description = "write the machine-readable result here",
    };

    public static Option<bool> KeepGoing() => new("--keep-going")
    {
        Description = "skip bad items, report them all at the end (the exit code is still non-zero)",
    };

    public static Option<int> BatchSize()
    {
        var option = new Option<int>("--batch-size")
        {
            Description = "images decoded and computed together (bounds memory)",
            DefaultValueFactory = _ => 32,
        };
        // A usage error before anything is read or written (refine once recorded its recipe in --out first).
        RequireAtLeast(option, 1, "--batch-size must be at least 1");
        return option;
    }

    public static Option<string?> Shard() => new("--shard")
    {
        Description = "K/N: process only ids K, K+N, K+2N, ... (0-based K; e.g. $SLURM_ARRAY_TASK_ID/4); combine with 'wsss merge'",
    };

    public static Option<DirectoryInfo?> Report() => new("--report")
    {
        Description = "write report.md (per-class IoU), class_iou.png, miou_vs_threshold.png (sweeps) and contact_sheet.png (with --images) here",
    };

    public static Option<SegmentationMetric> Metric() => new("--metric")
    {
        Description = "how IoUs are averaged (see README: Metrics)",
        HelpName = "chainercv|seam|gt-present|wsgcn|icd",
        DefaultValueFactory = _ => SegmentationMetric.Chainercv,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "chainercv";
            if (SegmentationMetrics.TryParse(text, out var metric)) return metric;
            result.AddError($"--metric: unknown metric '{text}' (chainercv, seam, gt-present, wsgcn, icd)");
            return default;
        },
    };

    public static Option<long> MaxDumpElements()
    {
        var option = new Option<long>("--max-dump-elements")
        {
            Description = "most array elements one CAM dump may hold in all (torch views can be tiny on disk yet huge); default 2^27",
            DefaultValueFactory = _ => Io.Arrays.NpyReadLimits.DefaultMaxElements,
        };
        RequireAtLeast(option, 1L, "--max-dump-elements must be positive");
        return option;
    }

    /// <summary>
    /// A usage error when the option's value is below <paramref name="minimum"/>. Read from the token: a token that is no
    /// number is the parser's error already, and reading the value there would throw.
    /// </summary>
    private static void RequireAtLeast<T>(Option<T> option, T minimum, string error) where T : System.Numerics.IBinaryInteger<T> =>
        option.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && T.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value < minimum)
                result.AddError(error);
        });
}

/// <summary>The options every batch command over a CAM/label dataset shares, created and registered together.</summary>
internal sealed class BatchOptions
{
    public Option<string?> Format { get; } = CommonOptions.Format();
    public Option<FileInfo?> ClassLabels { get; } = CommonOptions.ClassLabels();
    public Option<int> Classes { get; } = CommonOptions.Classes();
    public Option<BackendPreference> Backend { get; } = CommonOptions.Backend();
    public Option<FileInfo?> Json { get; } = CommonOptions.Json();
    public Option<bool> KeepGoing { get; } = CommonOptions.KeepGoing();
    public Option<int> BatchSize { get; } = CommonOptions.BatchSize();
    public Option<string?> Shard { get; } = CommonOptions.Shard();
    public Option<DirectoryInfo?> Report { get; } = CommonOptions.Report();
    public Option<SegmentationMetric> Metric { get; } = CommonOptions.Metric();
    public Option<string?> Method { get; } = CommonOptions.Method();
    public Option<long> MaxDumpElements { get; } = CommonOptions.MaxDumpElements();

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Method, Format, ClassLabels, Classes, Backend, Json, KeepGoing, BatchSize, Shard, Report, Metric, MaxDumpElements })
            command.Options.Add(option);
    }

    /// <summary>A usage error when --json names the command's --list or --cls-labels file, which the report would replace.</summary>
    public void CheckJsonIsNoInput(ParseResult parse, Option<FileInfo> list) =>
        CliRunner.RefuseReplacingInputs(parse.GetValue(Json), "--json",
            ("the --list file", parse.GetValue(list)?.FullName), ("the --cls-labels file", parse.GetValue(ClassLabels)?.FullName));

    public Jobs.Shard ShardOf(ParseResult parse) => parse.GetValue(Shard) is { } text ? CliRunner.ForOption("--shard", () => Jobs.Shard.Parse(text)) : Jobs.Shard.Whole;

    /// <summary>The --method preset, or null.</summary>
    public Methods.MethodPreset? PresetOf(ParseResult parse) => parse.GetValue(Method) is { } name ? Methods.MethodPresets.Get(name) : null;

    /// <summary>--format as given, else the preset's.</summary>
    public string? FormatOf(ParseResult parse, Methods.MethodPreset? preset) => parse.GetValue(Format) ?? preset?.Format?.Value;

    /// <summary>--metric as given, else the preset's, else chainercv.</summary>
    public SegmentationMetric MetricOf(ParseResult parse, Methods.MethodPreset? preset) =>
        CommonOptions.Given(parse, Metric) || preset is null ? parse.GetValue(Metric) : preset.Metric.Value;
}
