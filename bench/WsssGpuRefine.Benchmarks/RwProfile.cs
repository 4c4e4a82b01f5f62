using WsssGpuRefine.Backends;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// Thread CPU time of the propagation in IRN's walk (jiwoon-ahn/irn step/make_sem_seg_labels.py: the stride-4
/// <c>cam</c> times T^256 from the boundary affinity at β 10; the (1 − B) damping and the upsampling are left out) on
/// one thread, the way <c>wsss refine --rw boundary:DIR</c> runs it per image. It reads a folder written by <c>wsss demo
/// --generate-only</c>, with boundary maps from <c>bench/peers/crf_recipes.py boundary DIR</c>. Run:
/// <c>dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- rw-profile DIR [IMAGES] [REPEATS] [boundary|image]</c>
/// (image: the training-free affinity of the RGB image, as <c>--rw image</c>).
/// Each image's fastest run counts; the hash of the walked values' bits shows whether a change kept them bit for bit.
/// </summary>
internal static class RwProfile
{
    public static void Run(string[] args)
    {
        string dir = args[1];
        int images = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
        int repeats = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3;
        bool fromImage = args.Length > 4 && args[4] == "image";
        var backend = new CpuBackend(1);
        var options = new RandomWalkOptions();
        var inputs = DatasetInputs.ReadList(Path.Combine(dir, "train.txt")).Take(images).Select(id =>
        {
            var dump = DatasetInputs.ReadDump(DatasetInputs.CamPath(Path.Combine(dir, "cams_irn"), id), "irn", null, 0, 0);
            var grid = dump.LowRes!.ForegroundOnly();
            if (fromImage)
            {
                var image = Io.Images.RgbImageReader.Read(DatasetInputs.ImagePath(Path.Combine(dir, "JPEGImages"), id));
                return (grid, affinity: (StencilAffinity)ImageAffinity.FromImage(image, options.Stride, options.Radius));
            }
            var boundary = Io.Npy.NpyReader.Read(Path.Combine(dir, "boundary", id + ".npy")).ToFloat32();
            return (grid, affinity: (StencilAffinity)BoundaryAffinity.FromBoundary(boundary, grid.Height, grid.Width, options.Radius));
        }).ToList();
        // Warm-up (JIT).
        RandomWalker.Propagate((float[])inputs[0].grid.Data.Clone(), inputs[0].grid.Channels, inputs[0].affinity, options, backend);
        ulong hash = CrfProfile.HashBasis;
        double total = 0;
        foreach (var (grid, affinity) in inputs)
        {
            double best = double.MaxValue;
            float[] values = [];
            for (int rep = 0; rep < repeats; rep++)
            {
                values = (float[])grid.Data.Clone();
                long t0 = CrfProfile.ThreadCpuTicks();
                RandomWalker.Propagate(values, grid.Channels, affinity, options, backend);
                best = Math.Min(best, (CrfProfile.ThreadCpuTicks() - t0) / 1e6);
            }
            total += best;
            hash = CrfProfile.HashBits(hash, values);
        }
        Console.WriteLine($"images {inputs.Count}, grid {inputs[0].grid.Height}x{inputs[0].grid.Width}, {inputs[0].grid.Channels}+ channels, one thread");
        // Subnormal β-weights make every multiply that meets them slow on x86 (microcode assists).
        long subnormal = 0, nonzero = 0;
        foreach (var (_, affinity) in inputs)
            foreach (float v in StencilTransition.Build(affinity, options.Beta, System.Numerics.Vector<float>.Count).BetaPlanes)
            {
                if (v != 0) nonzero++;
                if (v != 0 && float.IsSubnormal(v)) subnormal++;
            }
        Console.WriteLine($"β-weights: {nonzero} nonzero, {subnormal} subnormal");
        Console.WriteLine($"walk per image, thread CPU ms (fastest of {repeats}): {total / inputs.Count:F1}");
        Console.WriteLine($"walked values hash {hash:X16}");
    }
}
