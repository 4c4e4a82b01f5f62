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
        Parallel.For(0, directions.Count, d =>
        {
            var dir = directions[d];
            var path = RandomWalkDirections.PathOf(dir);
            var plane = weights.AsSpan(d * n, n);
            // Sources whose partner stays inside: rows [0, h − dy), columns [max(0, −dx), min(w, w − dx)).
            int x0 = Math.Max(0, -dir.Dx), x1 = Math.Min(width, width - dir.Dx);
            for (int y = 0; y < height - dir.Dy; y++)
                for (int x = x0; x < x1; x++)
                {
                    float maxB = 0f;
                    foreach (var (py, px) in path)
                        maxB = MathF.Max(maxB, boundary[(y + py) * width + x + px]);
                    plane[y * width + x] = 1f - maxB;
                }
        });
        return new BoundaryAffinity(height, width, radius, weights, boundary);
    }
}
