using System.Numerics;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.RandomWalk;

/// <summary>
/// IRN's affinity from a class-boundary map B ∈ [0, 1] on the CAM grid (jiwoon-ahn/irn misc/indexing.py,
/// step/make_sem_seg_labels.py): a_ij = 1 − max of B over the path between i and j. The reference pads B with 1 on the
/// left, right and bottom and then crops its dense matrix to the image, so only pairs with both ends
/// inside survive; since a path never leaves the bounding box of its ends, those pairs never read
/// the padding and the padding has no other effect. Pairs leaving the grid therefore hold 0.
/// The map is kept because IRN also damps the propagated CAM by (1 − B).
/// </summary>
public sealed class BoundaryAffinity : StencilAffinity
{
    private BoundaryAffinity(int height, int width, int radius, float[] weights, float[] boundary)
        : base(height, width, radius, weights, boundary: boundary) { }

    /// <summary>
    /// From a BES <c>_edge.png</c> already decoded to grey values (h, w): B = v / 255.
    /// </summary>
    public static BoundaryAffinity FromEdgeImage(byte[] grey, int height, int width, int radius = 5, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(grey);
        if (height <= 0 || width <= 0 || (long)height * width != grey.Length)
            throw new WsssInputException(file, $"edge image holds {grey.Length} pixels, not {height}x{width}");
        var boundary = new float[grey.Length];
        for (int i = 0; i < grey.Length; i++) boundary[i] = grey[i] / 255f;
        return FromBoundary(boundary, height, width, radius, file);
    }

    /// <summary>
    /// Builds the affinities from a row-major (h, w) boundary map: a `.npy` float map as is, or a
    /// BES `_edge.png` as v / 255. Values must be finite and inside [0, 1].
    /// </summary>
    public static BoundaryAffinity FromBoundary(float[] boundary, int height, int width, int radius = 5, string? file = null)
    {
        ArgumentNullException.ThrowIfNull(boundary);
        if (height <= 0 || width <= 0)
            throw new WsssInputException(file, $"boundary map size {height}x{width} is empty");
        ValidateBoundary(boundary, height, width, file);

        var directions = RandomWalkDirections.For(radius);
        int n = height * width;
        var weights = new float[directions.Count * n];
        Parallel.For(0, directions.Count, ParallelWork.Options, d => DirectionPlane(boundary, height, width, directions[d], weights.AsSpan(d * n, n)));
        return new BoundaryAffinity(height, width, radius, weights, boundary);
    }

    /// <summary>
    /// One direction's affinities: 1 − the maximum of B over the path, for the sources whose partner stays inside
    /// (rows [0, h − dy), columns [max(0, −dx), min(w, w − dx))); 0 elsewhere. Each source row takes the maximum of
    /// the path's shifted boundary rows, a vector at a time (B is validated to [0, 1], so the order of the maxima
    /// does not matter).
    /// </summary>
    private static void DirectionPlane(float[] boundary, int height, int width, RandomWalkDirection dir, Span<float> plane)
    {
        var path = RandomWalkDirections.PathOf(dir);
        int x0 = Math.Max(0, -dir.Dx), span = Math.Min(width, width - dir.Dx) - x0;
        if (span <= 0) return;
        int vec = Vector<float>.Count;
        for (int y = 0; y < height - dir.Dy; y++)
        {
            var row = plane.Slice(y * width + x0, span);
            row.Clear();
            for (int p = 0; p < path.Count; p++)
            {
                var (py, px) = path[p];
                ReadOnlySpan<float> shifted = boundary.AsSpan((y + py) * width + x0 + px, span);
                int i = 0;
                for (; i <= span - vec; i += vec)
                    Vector.Max(new Vector<float>(row.Slice(i)), new Vector<float>(shifted.Slice(i))).CopyTo(row.Slice(i));
                for (; i < span; i++) row[i] = MathF.Max(row[i], shifted[i]);
            }
            for (int i = 0; i < span; i++) row[i] = 1f - row[i];
        }
    }
}
