using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Npy;

/// <summary>
/// What one NPY file (a CAM dump, an NPZ archive) may make the reader allocate, whatever its headers
/// declare. A pickled torch view can be a few bytes on disk yet stand for gigabytes (a stride-0
/// <c>torch.zeros(1).expand(1, 16384, 16384)</c> is 268 million elements in a 1 KB dump), so the reader
/// counts the elements it materialises across the whole file, and refuses the file once the total passes
/// <see cref="MaxElements"/>.
/// </summary>
public sealed record NpyReadLimits
{
    /// <summary>
    /// The default element budget: 2^27 = 134,217,728 elements (512 MiB of float32), several times what the
    /// largest real dumps hold (21 classes of a 2000x2000 image are 84 million).
    /// </summary>
    public const long DefaultMaxElements = 1L << 27;

    /// <summary>The default NPZ cap: 1 GiB of uncompressed archive members.</summary>
    public const long DefaultMaxUncompressedBytes = 1L << 30;

    /// <summary>The limits used when a caller names none.</summary>
    public static NpyReadLimits Default { get; } = new();

    /// <summary>The most array elements one file may materialise in all (every array and tensor read from it).</summary>
    public long MaxElements { get; init; } = DefaultMaxElements;

    /// <summary>The most bytes the members of one NPZ archive may inflate to in all.</summary>
    public long MaxUncompressedBytes { get; init; } = DefaultMaxUncompressedBytes;

    internal ElementBudget NewBudget() => new(MaxElements);

    /// <summary>Refuses a buffer the reader would build from the file's arrays when it alone passes the element limit.</summary>
    internal void RequireWithin(long elements)
    {
        if (elements > MaxElements) throw ElementBudget.TooMany(MaxElements);
    }
}

/// <summary>The elements still allowed for one file; shared by every array (and lazy torch view) read from it.</summary>
internal sealed class ElementBudget(long max)
{
    private long _used;

    public long Max { get; } = max;

    /// <summary>An unlimited budget, for arrays the caller builds itself.</summary>
    public static ElementBudget Unlimited => new(long.MaxValue);

    /// <summary>Records <paramref name="elements"/> more, or refuses the file when the total would pass the limit.</summary>
    public void Charge(long elements)
    {
        if (elements > Max - _used) throw TooMany(Max);
        _used += elements;
    }

    internal static WsssInputException TooMany(long max) => new(null,
        $"the file's arrays hold more than {max} elements in all (the reader's element limit; the CLI raises it with --max-dump-elements)");
}
