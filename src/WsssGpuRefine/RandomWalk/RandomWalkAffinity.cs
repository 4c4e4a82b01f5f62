using WsssGpuRefine.Core;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// What the random walk propagates over, on one grid (h, w) of N = h·w pixels: either a banded
/// affinity (<see cref="StencilAffinity"/>, turned into T = colnorm(A^β) and applied 2^t times) or a
/// transition matrix that is already powered (<see cref="DenseMatrixAffinity"/>, applied once).
/// </summary>
public abstract class RandomWalkAffinity
{
    private protected RandomWalkAffinity(int height, int width, float[]? boundary = null)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"grid {height}x{width} must not be empty");
        Height = height;
        Width = width;
        Boundary = boundary;
    }

    /// <summary>Grid height h in cells (the image height divided by the stride, rounded up).</summary>
    public int Height { get; }
    /// <summary>Grid width w in cells.</summary>
    public int Width { get; }
    /// <summary>N = h·w, the number of grid cells the walk runs over.</summary>
    public int PixelCount => Height * Width;

    /// <summary>
    /// The class-boundary map (h, w) in [0, 1] when one is known: the IRN recipe damps the CAM by
    /// (1 − B) before the walk. Null for sources without one (features, image, a bare matrix).
    /// </summary>
    public float[]? Boundary { get; }

    internal static void ValidateBoundary(float[] boundary, int height, int width, string? file)
    {
        if ((long)height * width != boundary.Length)
            throw new WsssInputException(file, $"boundary map holds {boundary.Length} values, not {height}x{width}");
        for (int i = 0; i < boundary.Length; i++)
            if (!(boundary[i] >= 0f && boundary[i] <= 1f))
                throw new WsssInputException(file,
                    $"boundary value {boundary[i]} at row {i / width}, column {i % width} is outside [0, 1]");
    }
}

/// <summary>
/// A symmetric affinity restricted to pairs closer than <see cref="Radius"/>, stored once per
/// unordered pair: <see cref="Weights"/>[(d·h + y)·w + x] is a between (y, x) and (y + dy, x + dx)
/// for direction d of <see cref="RandomWalkDirections.For"/>. Pairs that leave the grid, or that the
/// source excludes, hold 0, which drops them from T exactly as the reference's cropped dense matrix
/// does (0^β = 0). The diagonal is implicitly 1. Never materialised as an N×N matrix.
/// </summary>
public class StencilAffinity : RandomWalkAffinity
{
    /// <summary>Wraps a banded affinity without copying it, after validating every value.</summary>
    /// <param name="height">Grid height h in cells.</param>
    /// <param name="width">Grid width w in cells.</param>
    /// <param name="radius">Stencil radius r, 2..16 (IRN and PSA use 5).</param>
    /// <param name="weights">(D, h, w) direction-major affinities, finite and non-negative, D = <see cref="RandomWalkDirections.For"/>(radius).Count; kept, not copied.</param>
    /// <param name="file">The file the weights came from, named in errors; null when not from a file.</param>
    /// <param name="boundary">Optional (h, w) class-boundary map in [0, 1] (IRN), damping the CAM by (1 − B).</param>
    /// <exception cref="ArgumentOutOfRangeException">The grid is empty or the radius is outside 2..16.</exception>
    /// <exception cref="WsssInputException">The weight count does not match (D, h, w), a weight is negative, NaN or infinite, or the boundary is the wrong size or leaves [0, 1].</exception>
    public StencilAffinity(int height, int width, int radius, float[] weights, string? file = null, float[]? boundary = null)
        : base(height, width, boundary)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (boundary is not null) ValidateBoundary(boundary, height, width, file);
        Directions = RandomWalkDirections.For(radius);
        Radius = radius;
        long expected = (long)Directions.Count * height * width;
        if (weights.Length != expected)
            throw new WsssInputException(file,
                $"affinity holds {weights.Length} values, not {Directions.Count} directions x {height}x{width}");
        for (int i = 0; i < weights.Length; i++)
            if (!(weights[i] >= 0f) || float.IsPositiveInfinity(weights[i]))
                throw new WsssInputException(file, $"affinity value {weights[i]} at index {i} is not a finite non-negative number");
        Weights = weights;
    }

    /// <summary>Stencil radius r: pairs with dy² + dx² &lt; r² are linked.</summary>
    public int Radius { get; }
    /// <summary>The D half-plane offsets for <see cref="Radius"/>, in the order of the first axis of <see cref="Weights"/>.</summary>
    public IReadOnlyList<RandomWalkDirection> Directions { get; }

    /// <summary>Direction-major affinities (D, h, w); see the class summary.</summary>
    public float[] Weights { get; }

    /// <summary>Affinity between (y, x) and (y + dy, x + dx) of direction <paramref name="direction"/>.</summary>
    public float this[int direction, int y, int x] => Weights[(direction * Height + y) * Width + x];

    /// <summary>Whether (y, x) + d lands inside the grid.</summary>
    internal bool PairInside(RandomWalkDirection d, int y, int x)
    {
        int ty = y + d.Dy, tx = x + d.Dx;
        return ty >= 0 && ty < Height && tx >= 0 && tx < Width;
    }
}

/// <summary>
/// A transition matrix that is already powered, e.g. WSGCN's saved T^(2^t) at stride 4: an (N, N)
/// float32 row-major matrix applied once as rw[j] = Σ_i x[i]·M[i, j]. β and the step count are ignored.
/// </summary>
public sealed class DenseMatrixAffinity : RandomWalkAffinity
{
    /// <param name="matrix">Row-major (N, N) float32, N = height·width.</param>
    /// <param name="height">Grid rows.</param>
    /// <param name="width">Grid columns.</param>
    /// <param name="file">The matrix file, for error messages.</param>
    /// <param name="boundary">
    /// Optional boundary map (h, w): WSGCN applies its saved T to CAM·(1 − B) but does not save B;
    /// without it the CAM is propagated undamped.
    /// </param>
    public DenseMatrixAffinity(float[] matrix, int height, int width, string? file = null, float[]? boundary = null)
        : base(height, width, boundary)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (boundary is not null) ValidateBoundary(boundary, height, width, null);
        long n = (long)height * width;
        if (matrix.LongLength != n * n)
            throw new WsssInputException(file,
                $"transition matrix holds {matrix.LongLength} values, not ({n}, {n}) for a {height}x{width} grid");
        for (long i = 0; i < matrix.LongLength; i++)
            if (!float.IsFinite(matrix[i]))
                throw new WsssInputException(file, $"transition matrix value {matrix[i]} at index {i} is not finite");
        Matrix = matrix;
    }

    /// <summary>Row-major (N, N): entry (i, j) at i·N + j.</summary>
    public float[] Matrix { get; }
}
