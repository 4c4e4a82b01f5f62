namespace WsssGpuRefine.Core;

/// <summary>
/// Bad input: the CLI prints it as the single line <c>error: FILE: REASON</c>, never a stack trace.
/// Library callers catch it to skip an item (the CLI's --keep-going).
/// </summary>
public class WsssInputException : Exception
{
    /// <summary>Reports bad input; the message is <c>FILE: REASON</c>, or the reason alone when <paramref name="file"/> is null.</summary>
    /// <param name="file">The file at fault as the user named it, or null (readers that see only a stream pass null; see <see cref="WithFile"/>).</param>
    /// <param name="reason">What is wrong, in words the user can act on, without the file name.</param>
    /// <param name="inner">The underlying failure (I/O, decoder), if any.</param>
    public WsssInputException(string? file, string reason, Exception? inner = null)
        : base(file is null ? reason : $"{file}: {reason}", inner)
    {
        File = file;
        Reason = reason;
    }

    /// <summary>The file at fault, as the user named it, or null when the fault is not in one file.</summary>
    public string? File { get; }
    /// <summary>What is wrong with the input, without the file name (the message prefixes it).</summary>
    public string Reason { get; }

    /// <summary>The same reason, attributed to a file (readers throw without knowing the path).</summary>
    public WsssInputException WithFile(string file) =>
        File is null ? new WsssInputException(file, Reason, this) : this;
}
