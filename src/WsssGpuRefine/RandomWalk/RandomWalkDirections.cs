using System.Collections.Concurrent;

namespace WsssGpuRefine.RandomWalk;

/// <summary>One neighbour offset of the random-walk stencil: the pair (p, p + (Dy, Dx)).</summary>
public readonly record struct RandomWalkDirection(int Dy, int Dx);

/// <summary>
/// The neighbour geometry shared by IRN (misc/indexing.py) and AffinityNet (tool/pyutils.py):
/// offsets (0, x) for x = 1..r-1 and (y, x) for y = 1..r-1, |x| &lt; r with x² + y² &lt; r².
/// They cover one half-plane, so every unordered pixel pair within the radius occurs exactly once;
/// the reverse half is the symmetric copy of the affinity.
/// </summary>
public static class RandomWalkDirections
{
    /// <summary>Smallest radius accepted (r = 2 links the 4 nearest half-plane neighbours).</summary>
    public const int MinRadius = 2;
    /// <summary>Largest radius accepted (about 400 directions per cell; the references use 5).</summary>
    public const int MaxRadius = 16;

    private static readonly ConcurrentDictionary<int, RandomWalkDirection[]> Cache = new();
    private static readonly ConcurrentDictionary<RandomWalkDirection, (int Y, int X)[]> PathCache = new();

    /// <summary>The half-plane offsets for <paramref name="radius"/>: 34 for r = 5, 152 for r = 10.</summary>
    public static IReadOnlyList<RandomWalkDirection> For(int radius)
    {
        ValidateRadius(radius);
        return Cache.GetOrAdd(radius, Build);
    }

    internal static void ValidateRadius(int radius)
    {
        if (radius is < MinRadius or > MaxRadius)
            throw new ArgumentOutOfRangeException(nameof(radius), radius, $"radius must be in {MinRadius}..{MaxRadius}");
    }

    private static RandomWalkDirection[] Build(int radius)
    {
        var list = new List<RandomWalkDirection>();
        for (int x = 1; x < radius; x++)
            list.Add(new RandomWalkDirection(0, x));
        for (int y = 1; y < radius; y++)
            for (int x = -radius + 1; x < radius; x++)
                if (x * x + y * y < radius * radius)
                    list.Add(new RandomWalkDirection(y, x));
        return list.ToArray();
    }

    /// <summary>
    /// Lattice points, relative to the pair's first pixel, whose boundary values decide the pair's
    /// affinity: every point of the bounding box of (0,0) and (dy,dx) closer than one cell to the
    /// segment's line, i.e. (dy·x − dx·y)² / (dy² + dx²) &lt; 1. Both endpoints are included.
    /// Points come in raster order of the bounding box (the order does not matter for a maximum).
    /// </summary>
    public static IReadOnlyList<(int Y, int X)> PathOf(RandomWalkDirection direction)
    {
        if (direction.Dy == 0 && direction.Dx == 0)
            throw new ArgumentException("the zero offset has no path", nameof(direction));
        return PathCache.GetOrAdd(direction, BuildPath);
    }

    private static (int Y, int X)[] BuildPath(RandomWalkDirection d)
    {
        int lengthSq = d.Dy * d.Dy + d.Dx * d.Dx;
        var points = new List<(int, int)>();
        for (int y = Math.Min(0, d.Dy); y <= Math.Max(0, d.Dy); y++)
            for (int x = Math.Min(0, d.Dx); x <= Math.Max(0, d.Dx); x++)
            {
                // Integer form of the distance test keeps it exact: cross² < |d|².
                long cross = (long)d.Dy * x - (long)d.Dx * y;
                if (cross * cross < lengthSq)
                    points.Add((y, x));
            }
        return points.ToArray();
    }
}
