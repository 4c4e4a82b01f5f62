namespace WsssGpuRefine.Core;

/// <summary>
/// Bad input: the CLI prints it as the single line <c>error: FILE: REASON</c>, never a stack trace.
/// Library callers catch it to skip an item (the CLI's --keep-going).
/// </summary>
public class WsssInputException : Exception
{
    public WsssInputException(string? file, string reason, Exception? inner = null)
        : base(file is null ? reason : $"{file}: {reason}", inner)
    {
        File = file;
        Reason = reason;
    }

    /// <summary>The file at fault, as the user named it, or null when the fault is not in one file.</summary>
    public string? File { get; }
    public string Reason { get; }

    /// <summary>The same reason, attributed to a file (readers throw without knowing the path).</summary>
    public WsssInputException WithFile(string file) =>
        File is null ? new WsssInputException(file, Reason, this) : this;
}
