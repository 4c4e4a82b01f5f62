namespace WsssGpuRefine.Jobs;

/// <summary>One item that could not be processed: the file at fault and why (printed as <c>error: FILE: REASON</c>).</summary>
public sealed record ItemFailure(string Id, string File, string Reason)
{
    /// <summary>"FILE: REASON", the form reports list and the CLI prints after <c>error: </c>.</summary>
    public override string ToString() => $"{File}: {Reason}";
}

/// <summary>Thrown when a batch stops at its first bad item (no --keep-going).</summary>
public sealed class ItemFailedException(ItemFailure failure) : Exception(failure.ToString())
{
    /// <summary>The item at fault, with its file and reason.</summary>
    public ItemFailure Failure { get; } = failure;
}
