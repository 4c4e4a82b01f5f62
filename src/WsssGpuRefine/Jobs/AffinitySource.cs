using WsssGpuRefine.Core;
using WsssGpuRefine.Io.Arrays;
using WsssGpuRefine.Io.Npy;
using WsssGpuRefine.Io.Png;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Jobs;

/// <summary>Where the random walk's affinity comes from (<c>--rw image|boundary:DIR|features:DIR|matrix:DIR</c>).</summary>
public sealed record AffinitySource(AffinitySource.Kinds Kind, string? Directory)
{
    /// <summary>The kinds of affinity source, one per <c>--rw</c> form.</summary>
    public enum Kinds
    {
        /// <summary>Training-free: colour and position similarity of the RGB image at the CAM stride.</summary>
        Image,
        /// <summary>IRN's boundary map B at the stride: ID.npy float (h,w), or BES's ID_edge.png (B = v/255).</summary>
        Boundary,
        /// <summary>AffinityNet features ID.npy (C,h,w) or (1,C,h,w).</summary>
        Features,
        /// <summary>WSGCN's saved transition matrix ID.npy (N,N), N = h·w at the stride.</summary>
        Matrix,
    }

    /// <summary>Parses <c>image</c>, <c>boundary:DIR</c>, <c>features:DIR</c> or <c>matrix:DIR</c> (kind case-insensitive, DIR not empty).</summary>
    /// <exception cref="ArgumentException">The text has none of these forms.</exception>
    public static AffinitySource Parse(string text)
    {
        if (string.Equals(text, "image", StringComparison.OrdinalIgnoreCase)) return new(Kinds.Image, null);
        int colon = text.IndexOf(':');
        if (colon > 0)
        {
            string kind = text[..colon], dir = text[(colon + 1)..];
            if (dir.Length > 0)
            {
                switch (kind.ToLowerInvariant())
                {
                    case "boundary": return new(Kinds.Boundary, dir);
                    case "features": return new(Kinds.Features, dir);
                    case "matrix": return new(Kinds.Matrix, dir);
                }
            }
        }
        throw new ArgumentException($"--rw: expected image, boundary:DIR, features:DIR or matrix:DIR, not '{text}'");
    }

    /// <summary>True when the affinity is computed from the RGB image (the image directory is then required).</summary>
    public bool NeedsImage => Kind == Kinds.Image;

    /// <summary>The affinity for one image whose stride grid is <paramref name="gridHeight"/> x <paramref name="gridWidth"/>.</summary>
    public RandomWalkAffinity Load(string id, RgbImage? image, int gridHeight, int gridWidth, RandomWalkOptions options)
    {
        switch (Kind)
        {
            case Kinds.Image:
                return ImageAffinity.FromImage(image ?? throw new ArgumentException("--rw image needs --images"), options.Stride, options.Radius);
            case Kinds.Boundary:
            {
                string npy = Path.Combine(Directory!, id + ".npy"), png = Path.Combine(Directory!, id + "_edge.png");
                if (File.Exists(npy))
                {
                    var array = NpyReader.Read(npy);
                    var (h, w) = Grid(npy, array, 2);
                    CheckGrid(npy, h, w, gridHeight, gridWidth);
                    return BoundaryAffinity.FromBoundary(array.ToFloat32(), h, w, options.Radius, npy);
                }
                if (File.Exists(png))
                {
                    var edge = LabelPngReader.Read(png);
                    CheckGrid(png, edge.Height, edge.Width, gridHeight, gridWidth);
                    return BoundaryAffinity.FromEdgeImage(edge.Labels, edge.Height, edge.Width, options.Radius, png);
                }
                throw new WsssInputException(npy, $"no boundary map (neither {id}.npy nor {id}_edge.png in {Directory})");
            }
            case Kinds.Features:
            {
                string npy = Path.Combine(Directory!, id + ".npy");
                var array = NpyReader.Read(npy);
                int[] shape = array.Shape is [1, _, _, _] ? array.Shape[1..] : array.Shape;
                if (shape.Length != 3) throw new WsssInputException(npy, $"features must be (C,h,w) or (1,C,h,w), not ({string.Join(",", array.Shape)})");
                CheckGrid(npy, shape[1], shape[2], gridHeight, gridWidth);
                return FeatureAffinity.FromFeatures(array.ToFloat32(), shape[0], shape[1], shape[2], options.Radius, file: npy);
            }
            case Kinds.Matrix:
            {
                string npy = Path.Combine(Directory!, id + ".npy");
                // An (N,N) float32 matrix is large (527 MiB at VOC size): read straight into its float array.
                var array = NpyReader.ReadFloat32(npy);
                long n = (long)gridHeight * gridWidth;
                if (array.Shape is not [var rows, var cols] || rows != n || cols != n)
                    throw new WsssInputException(npy, $"expected an ({n},{n}) matrix for the {gridHeight}x{gridWidth} grid, got ({string.Join(",", array.Shape)})");
                return new DenseMatrixAffinity(array.Data, gridHeight, gridWidth, npy);
            }
            default:
                throw new InvalidOperationException("unknown affinity source");
        }
    }

    private static void CheckGrid(string file, int height, int width, int gridHeight, int gridWidth)
    {
        if (height != gridHeight || width != gridWidth)
            throw new WsssInputException(file, $"the map is {height}x{width} (h x w) but the CAM grid is {gridHeight}x{gridWidth}");
    }

    private static (int H, int W) Grid(string file, NpyArray array, int rank)
    {
        int[] shape = array.Shape is [1, _, _] ? array.Shape[1..] : array.Shape;
        if (shape.Length != rank) throw new WsssInputException(file, $"expected an (h,w) map, got ({string.Join(",", array.Shape)})");
        return (shape[0], shape[1]);
    }
}
