using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Jobs;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>
/// Runs a command body so that every failure is one clear stderr line (<c>error: FILE: REASON</c>) and a non-zero
/// exit, never a stack trace (set WSSS_DEBUG=1 to see one).
/// </summary>
internal static class CliRunner
{
    /// <summary>The exit code of a failed run: a bad input file, a device error.</summary>
    public const int Failed = 1;

    /// <summary>The exit code of a command line that cannot run as given (<see cref="UsageException"/>), as for the parser's errors.</summary>
    public const int Usage = 2;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException u)
        {
            Console.Error.WriteLine($"error: {ErrorLines.OneLine(u)}");
            return Usage;
        }
        catch (Exception e) when (Describe(e) is { } line)
        {
            Console.Error.WriteLine($"error: {line}");
            if (Environment.GetEnvironmentVariable("WSSS_DEBUG") == "1") Console.Error.WriteLine(e);
            return Failed;
        }
    }

    private static string? Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        ItemFailedException f => f.Failure.ToString(),
        WsssInputException w => w.Message,
        Backends.Vulkan.VulkanBackendException v => v.Message,
        ArgumentException a => ErrorLines.OneLine(a),
        FileNotFoundException f => $"{f.FileName}: file not found",
        DirectoryNotFoundException d => FileFirst(d.Message),
        IOException io => FileFirst(io.Message),
        UnauthorizedAccessException u => FileFirst(u.Message),
        OperationCanceledException => "cancelled",
        _ => $"internal error: {e.GetType().Name}: {e.Message} (please report it; WSSS_DEBUG=1 prints the stack trace)",
    };

    /// <summary>
    /// A system message that quotes its path ("Is a directory : '/x'", "Could not find a part of the path '/x/y'.") as
    /// <c>FILE: REASON</c>, the form of every other error line; a message without a quoted path unchanged.
    /// </summary>
    internal static string FileFirst(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(message, @"^(?<before>.*?)\s*'(?<path>[^']+)'\s*(?<after>.*?)\.?$");
        if (!match.Success) return message;
        string reason = $"{match.Groups["before"].Value.TrimEnd(' ', ':')} {match.Groups["after"].Value}".Trim();
        if (reason.Length == 0) return message;
        return $"{match.Groups["path"].Value}: {char.ToLowerInvariant(reason[0])}{reason[1..]}";
    }

    /// <summary>The value <paramref name="parse"/> makes of an option's text; its argument errors are usage errors that
    /// name the option ("--crf: unknown CRF preset 'x' ...") instead of the engine's parameter.</summary>
    internal static T ForOption<T>(string option, Func<T> parse) => AsUsage(parse, option);

    /// <summary>The value <paramref name="parse"/> makes of options; its argument errors are usage errors, prefixed by
    /// <paramref name="option"/> when given (otherwise their messages name their flags already).</summary>
    internal static T AsUsage<T>(Func<T> parse, string? option = null)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(ErrorLines.OneLine(e, option), e);
        }
    }

    /// <summary>
    /// A usage error when the file an option writes (<c>--json</c>) is one the command reads (its list, its class labels,
    /// the reports it merges), links resolved: the result would replace its own input.
    /// </summary>
    /// <param name="output">The file written, or null when not asked for.</param>
    /// <param name="inputs">Each file read, with what to call it ("the --list file").</param>
    internal static void RefuseReplacingInputs(FileInfo? output, string option, params (string What, string? File)[] inputs)
    {
        if (output is null) return;
        // Found before the run, not when the report is written at its end.
        if (Directory.Exists(output.FullName)) throw new UsageException($"{output.FullName}: is a folder; {option} takes a file name");
        foreach (var (what, file) in inputs)
            if (file is not null && Io.PathIdentity.SameFile(output.FullName, file))
                throw new UsageException($"{option} names {what}, which this command reads; choose another {option}");
    }

    /// <summary>
    /// A usage error when the folder an option writes into (<c>--report</c>) is one the command reads (links, and on Linux
    /// bind mounts, resolved): its files would land among the inputs, and could replace one.
    /// </summary>
    /// <param name="output">The folder written, or null when not asked for.</param>
    /// <param name="inputs">Each folder read, with the option that names it.</param>
    internal static void RefuseWritingIntoInputs(DirectoryInfo? output, string option, IEnumerable<(string Option, string? Folder)> inputs)
    {
        if (output is null) return;
        foreach (var (input, folder) in inputs)
            if (folder is not null && Io.PathIdentity.SameFolder(output.FullName, folder))
                throw new UsageException($"{option} is the {input} folder, which this command reads; choose another {option}");
    }

    /// <summary>
    /// A usage error when <c>--json</c> names an item's file: a file in one of the command's folders (its inputs, refine's
    /// <c>--out</c>) whose name, less its extension, is a listed id (or an id with <paramref name="suffix"/>). The report
    /// would replace a CAM dump, a ground-truth map or an image, or a label map the run just wrote and recorded as done.
    /// </summary>
    internal static void RefuseJsonNamingAnItem(FileInfo? json, IEnumerable<(string Option, string? Folder)> folders, IReadOnlyList<string> ids, string? suffix = null)
    {
        if (json is null || json.DirectoryName is not { } folder) return;
        string stem = Path.GetFileNameWithoutExtension(json.Name);
        string? id = ids.Contains(stem, StringComparer.Ordinal) ? stem
            : suffix is not null && stem.EndsWith(suffix, StringComparison.Ordinal) && ids.Contains(stem[..^suffix.Length], StringComparer.Ordinal) ? stem[..^suffix.Length]
            : null;
        if (id is null) return;
        foreach (var (option, itemFolder) in folders)
            if (itemFolder is not null && Io.PathIdentity.SameFolderOnceCreated(folder, itemFolder))
                throw new UsageException($"--json names {json.Name} in the {option} folder, a name of image {id}'s files there; choose another --json");
    }

    /// <summary>
    /// A usage error when refine's <c>--json</c> lies among the files the run keeps in <paramref name="outputFolder"/>: its
    /// records (<c>wsss-recipe.json</c>, <c>wsss-run*.json</c>, anything named <c>wsss-*</c>) or any subfolder
    /// (<c>wsss-done/</c>, PSA's <c>out_la_crf/</c>, ...). The report would replace what a resume trusts. Beside the label
    /// maps under another name (<c>OUT/miou.json</c>) it is welcome.
    /// </summary>
    internal static void RefuseJsonAmongRecords(FileInfo? json, string outputFolder)
    {
        if (json is null) return;
        string folder = Io.PathIdentity.Canonical(json.DirectoryName ?? json.FullName);
        string output = Io.PathIdentity.Canonical(outputFolder);
        bool below = folder.StartsWith(output.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        bool record = Io.PathIdentity.SameFolderOnceCreated(folder, output) && json.Name.StartsWith("wsss-", StringComparison.Ordinal);
        if (below || record)
            throw new UsageException($"--json names {json.FullName}, among the files refine keeps in --out ({(below ? "its subfolders" : "its wsss-* records")}); choose another --json");
    }

    /// <summary>Prints each skipped item and returns the exit code a --keep-going run ends with.</summary>
    public static int ReportFailures(IReadOnlyList<string> failures)
    {
        foreach (string f in failures) Console.Error.WriteLine($"error: {f}");
        if (failures.Count > 0) Console.Error.WriteLine($"error: {failures.Count} item(s) failed (skipped with --keep-going)");
        return failures.Count > 0 ? Failed : 0;
    }

    public static ComputeBackend CreateBackend(BackendPreference preference) =>
        BackendFactory.Create(preference, line => Console.Error.WriteLine(line));
}
