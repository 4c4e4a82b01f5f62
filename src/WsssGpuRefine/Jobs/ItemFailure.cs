namespace WsssGpuRefine.Jobs;

/// <summary>One item that could not be processed: the file at fault and why (printed as <c>error: FILE: REASON</c>).</summary>
public sealed record ItemFailure(string Id, string File, string Reason)
{
    public override string ToString() => $"{File}: {Reason}";
}

/// <summary>Thrown when a batch stops at its first bad item (no --keep-going).</summary>
public sealed class ItemFailedException(ItemFailure failure) : Exception(failure.ToString())
{
    public ItemFailure Failure { get; } = failure;
}
