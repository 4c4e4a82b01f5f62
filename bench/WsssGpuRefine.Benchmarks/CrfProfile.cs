using System.Diagnostics;
using System.Runtime.InteropServices;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Recipes;
using WsssGpuRefine.Labels;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// Stopwatch breakdown of IRN's ir_label recipe (jiwoon-ahn/irn step/cam_to_ir_label.py) on a folder written by
/// <c>wsss demo --generate-only</c>: per image the bilateral lattice build, its normalisation, and the two label
/// CRFs, on one thread, summed over the images, in thread CPU time (the machine is shared). Run:
/// <c>dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- crf-profile DIR [IMAGES] [THREADS] [REPEATS]</c>.
/// With REPEATS each part's fastest run counts; the marginals' hash shows whether a change kept the results bit for bit.
/// <c>crf-profile rows IMAGE...</c> prints each image's bilateral vertex count and corner-row lengths instead.
/// </summary>
internal static class CrfProfile
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID): what the shared machine's load does not inflate as much as wall time.</summary>
    internal static long ThreadCpuTicks()
    {
        _ = ClockGetTime(3, out var t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    /// <summary>FNV-1a's offset basis: the hash of nothing.</summary>
    internal const ulong HashBasis = 0xCBF29CE484222325UL;

    /// <summary>FNV-1a over the bits of <paramref name="values"/>, continuing <paramref name="hash"/>: equal hashes before
    /// and after a change show bit-identical results.</summary>
    internal static ulong HashBits(ulong hash, ReadOnlySpan<float> values)
    {
        foreach (float v in values) hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 0x100000001B3UL;
        return hash;
    }

    /// <summary>The share of pixels (after the first) whose d+1 corner vertices are the previous pixel's, in order.</summary>
    private static double SameAsPrevious(PermutohedralLattice lattice)
    {
        int d1 = lattice.Dimension + 1, same = 0;
        var offsets = lattice.Offsets.AsSpan(0, lattice.PixelCount * d1);
        for (int p = 1; p < lattice.PixelCount; p++)
            if (offsets.Slice(p * d1, d1).SequenceEqual(offsets.Slice((p - 1) * d1, d1))) same++;
        return (double)same / Math.Max(1, lattice.PixelCount - 1);
    }

    public static void Run(string[] args)
    {
        if (args[1] == "rows")
        {
            // crf-profile rows IMAGE...: per image the bilateral lattice (IRN's sxy 50, srgb 5) and how many pixel
            // corners each vertex holds, the length of the per-vertex rows the device's splat walks one thread each.
            foreach (var path in args.Skip(2))
            {
                var image = Io.Images.RgbImageReader.Read(path);
                var lattice = PermutohedralLattice.Build(CrfKernel.BilateralFeatures(image, 50, 5), 5, new ParallelOptions());
                var rows = new int[lattice.VertexCount];
                foreach (int v in lattice.Offsets) rows[v]++;
                Array.Sort(rows);
                Console.WriteLine($"{Path.GetFileName(path)} {image.Width}x{image.Height}: vertices {rows.Length}, corners per vertex: max {rows[^1]}, p99.9 {rows[(int)(rows.Length * 0.999)]}, p99 {rows[(int)(rows.Length * 0.99)]}, median {rows[rows.Length / 2]}, vertices over 1000: {rows.Count(x => x > 1000)}");
                var gaussian = PermutohedralLattice.Build(CrfKernel.GaussianFeatures(image.Height, image.Width, 3), 2, new ParallelOptions());
                Console.WriteLine($"  pixels whose corners are the previous pixel's: bilateral {SameAsPrevious(lattice):P1}, Gaussian sxy 3 {SameAsPrevious(gaussian):P1}");
            }
            return;
        }
        string dir = args[1];
        int images = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
        int threads = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1;
        int repeats = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var backend = new CpuBackend(threads);
        var parallel = backend.ParallelOptions;
        var ids = DatasetInputs.ReadList(Path.Combine(dir, "train.txt")).Take(images).ToList();
        var crf = CrfParameters.Preset("irn");
        var options = new IrLabelOptions();
        var inputs = ids.Select(id =>
        {
            var image = Io.Images.RgbImageReader.Read(DatasetInputs.ImagePath(Path.Combine(dir, "JPEGImages"), id));
            var cams = DatasetInputs.ReadDump(DatasetInputs.CamPath(Path.Combine(dir, "cams_irn"), id), "irn", null, image.Height, image.Width).HighRes.ForegroundOnly();
            return (image, cams);
        }).ToList();
        // Warm-up (JIT, Gaussian lattice cache).
        IrLabelRecipe.Run(backend, inputs[0].image, inputs[0].cams, options);
        double build = 0, norm = 0, infer = 0, whole = 0;
        long vertices = 0;
        ulong hash = HashBasis;
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var (image, cams) in inputs)
        {
            // With repeats, each part keeps its fastest run: the machine is shared, and the minimum is what the code
            // costs without its neighbours.
            double bestBuild = double.MaxValue, bestNorm = double.MaxValue, bestInfer = double.MaxValue, bestWhole = double.MaxValue;
            for (int rep = 0; rep < repeats; rep++)
            {
                var t0 = ThreadCpuTicks();
                var features = CrfKernel.BilateralFeatures(image, crf.BilateralSxy, crf.BilateralSrgb);
                var lattice = PermutohedralLattice.Build(features, 5, parallel);
                var t1 = ThreadCpuTicks();
                var kernel = new CrfKernel(lattice, parallel);
                var t2 = ThreadCpuTicks();
                kernel.Release();
                ImageArrays.Return(features);
                if (rep == 0) vertices += lattice.VertexCount;
                using var prepared = DenseCrf.Prepare(backend, image, crf);
                int classes = cams.Channels;
                CrfUnary[] unaries = [
                    CrfUnary.FromLabels(ScoreLabels.Indices(cams, new BackgroundRule.Constant(0.30f)), classes + 1, crf.GtProb),
                    CrfUnary.FromLabels(ScoreLabels.Indices(cams, new BackgroundRule.Constant(0.05f)), classes + 1, crf.GtProb),
                ];
                var t3 = ThreadCpuTicks();
                var results = prepared.InferAll(unaries);
                var t4 = ThreadCpuTicks();
                IrLabelRecipe.Run(backend, image, cams, options);
                var t5 = ThreadCpuTicks();
                if (rep == 0)
                    foreach (var r in results) hash = HashBits(hash, r.Marginals);
                bestBuild = Math.Min(bestBuild, (t1 - t0) / 1e6);
                bestNorm = Math.Min(bestNorm, (t2 - t1) / 1e6);
                bestInfer = Math.Min(bestInfer, (t4 - t3) / 1e6);
                bestWhole = Math.Min(bestWhole, (t5 - t4) / 1e6);
            }
            build += bestBuild;
            norm += bestNorm;
            infer += bestInfer;
            whole += bestWhole;
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        int n = inputs.Count;
        Console.WriteLine($"images {n}, threads {threads}, mean bilateral vertices {vertices / n}");
        Console.WriteLine($"per image, thread CPU ms{(repeats > 1 ? $" (fastest of {repeats})" : "")}: bilateral lattice build {build / n:F1}, normalisation {norm / n:F1}, two label CRFs (inference) {infer / n:F1}, whole ir_label {whole / n:F1}");
        Console.WriteLine($"marginals hash {hash:X16}");
        Console.WriteLine($"process CPU {cpu.TotalMilliseconds / n:F0} ms per image over wall {wall.Elapsed.TotalMilliseconds / n:F0} ms per image (all four timed parts)");
    }
}
