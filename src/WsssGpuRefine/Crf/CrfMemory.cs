namespace WsssGpuRefine.Crf;

/// <summary>
/// What one image's CRF holds at its peak on the CPU, for schedulers that run several images at once
/// under a memory budget (<c>RefineJob</c>). It scales with the pixels and the labels of the CRF (background
/// plus the classes present), not with the dataset's class count.
/// </summary>
public static class CrfMemory
{
    /// <summary>
    /// Upper estimate in bytes of one image's refine on the CPU: the decoded image and maps, the two
    /// lattices (per pixel and corner a vertex id, a barycentric, a splat and a slice weight; 6 corners for
    /// the bilateral kernel, 3 for the Gaussian), the bilateral features, the unary, −U and Q rows padded
    /// to a multiple of 4 labels, the marginals, and the vertex buffers (at most one vertex per pixel
    /// corner, in practice far fewer) of the pixel chunks of <paramref name="threads"/> threads.
    /// </summary>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="labels">Labels of the CRF (background + present classes), at least 1.</param>
    /// <param name="threads">Threads working on this one image.</param>
    public static long EstimateBytes(int height, int width, int labels, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        long px = (long)height * width;
        long stride = (Math.Max(1, labels) + 3) & ~3;
        long lattices = px * (6 + 3) * 16 + px * 5 * 4 + px * 4 * 4;     // corners x (id, bary, splat, slice); features; norm + filter temporaries
        long rows = px * (2 * stride + 3 * labels) * 4 + px * 4;          // −U, Q; unary, marginals, input maps; image + labels
        long vertexRows = px / 2 * stride * 4;                             // one vertex buffer (vertices ≲ pixels/2 on photographs)
        int chunks = Math.Max(1, threads);
        long vertexBuffers = vertexRows * (2 + chunks) * 2;                // values + scratch + one partial per chunk, two kernels
        return lattices + rows + vertexBuffers;
    }

    /// <summary>
    /// The default budget of a refine run: half of the memory the runtime may use (the machine's, or the
    /// container's limit), leaving the rest to the decoded batches in flight and to the rest of the system.
    /// </summary>
    public static long DefaultBudgetBytes() => Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>
    /// How many images of <paramref name="perImageBytes"/> each may run at once under <paramref name="budgetBytes"/>:
    /// between 1 (an image larger than the budget still runs, alone) and <paramref name="maxParallel"/>.
    /// </summary>
    public static int ImagesAtOnce(long perImageBytes, long budgetBytes, int maxParallel) =>
        (int)Math.Clamp(budgetBytes / Math.Max(1, perImageBytes), 1, Math.Max(1, maxParallel));
}
