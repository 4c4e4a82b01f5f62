using System.Globalization;

namespace WsssGpuRefine.Jobs;

/// <summary>
/// A deterministic slice of an id list for scale-out on a scheduler: shard K of N takes ids K, K+N, K+2N, …
/// (0-based K, so SLURM's SLURM_ARRAY_TASK_ID with --array=0-(N-1) and a Kubernetes indexed Job's
/// JOB_COMPLETION_INDEX can be passed as they are). Every id lands in exactly one shard.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>Shard 0/1: the whole list.</summary>
    public static Shard Whole => new(0, 1);

    /// <summary>Parses "K/N" with 0 &lt;= K &lt; N (e.g. "0/4").</summary>
    /// <exception cref="ArgumentException">The text is not of that form.</exception>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            || n < 1 || k >= n)
            throw new ArgumentException($"--shard: expected K/N with 0 <= K < N (e.g. 0/4), not '{text}'");
        return new Shard(k, n);
    }

    /// <summary>The ids at positions Index, Index + Count, Index + 2·Count, … of <paramref name="ids"/>.</summary>
    public IReadOnlyList<string> Select(IReadOnlyList<string> ids)
    {
        var selected = new List<string>();
        for (int i = Index; i < ids.Count; i += Count) selected.Add(ids[i]);
        return selected;
    }

    /// <summary>What a report of this slice records as its shard (<see cref="EvalReport.Shard"/>): "K/N", or null for the whole list.</summary>
    public string? ReportName => Count > 1 ? ToString() : null;

    /// <summary>"K/N", the form <see cref="Parse"/> reads.</summary>
    public override string ToString() => $"{Index}/{Count}";
}
