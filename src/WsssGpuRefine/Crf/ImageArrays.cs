namespace WsssGpuRefine.Crf;

/// <summary>
/// Reuse of the large per-image buffers of a CPU lattice (offsets, barycentric and normalised weights, blur
/// neighbours, the hash table's slots): a batch run builds one lattice per image and drops it, and fresh large
/// arrays cost a page fault per 4 KiB on every image. Arrays are handed out only at their exact length, so a
/// reused array is indistinguishable from a new uninitialised one; at most <see cref="MaxBytes"/> are kept, the
/// most recently returned first (a dataset's few common image sizes stay, odd sizes age out).
/// </summary>
internal static class ImageArrays
{
    /// <summary>Arrays below this size are left to the GC (they are not on the large object heap).</summary>
    private const long MinBytes = 256 << 10;

    /// <summary>Bytes kept at most: the lattices of two VOC-size images (~24 MB each: one per core in a refine batch) and a little more.</summary>
    public const long MaxBytes = 64L << 20;

    private static readonly LinkedList<(Array Array, long Bytes)> Kept = new();
    private static long _keptBytes;

    /// <summary>An array of exactly <paramref name="length"/> elements, contents undefined.</summary>
    public static T[] Rent<T>(int length) where T : unmanaged
    {
        if (Bytes<T>(length) >= MinBytes)
        {
            lock (Kept)
            {
                for (var node = Kept.First; node is not null; node = node.Next)
                {
                    if (node.Value.Array is T[] match && match.Length == length)
                    {
                        Kept.Remove(node);
                        _keptBytes -= Bytes<T>(length);
                        return match;
                    }
                }
            }
        }
        return GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Gives an array back for reuse; the caller must not touch it afterwards.</summary>
    public static void Return<T>(T[]? array) where T : unmanaged
    {
        if (array is null) return;
        long bytes = Bytes<T>(array.Length);
        if (bytes < MinBytes || bytes > MaxBytes) return;
        lock (Kept)
        {
            Kept.AddFirst((array, bytes));
            _keptBytes += bytes;
            while (_keptBytes > MaxBytes && Kept.Last is { } oldest)
            {
                Kept.RemoveLast();
                _keptBytes -= oldest.Value.Bytes;
            }
        }
    }

    /// <summary>Bytes currently kept (tests).</summary>
    internal static long KeptBytes
    {
        get { lock (Kept) return _keptBytes; }
    }

    private static unsafe long Bytes<T>(int length) where T : unmanaged => (long)length * sizeof(T);
}
