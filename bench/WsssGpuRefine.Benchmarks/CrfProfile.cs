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
/// <c>dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- crf-profile DIR [IMAGES] [THREADS]</c>.
/// </summary>
internal static class CrfProfile
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID): what the shared machine's load does not inflate as much as wall time.</summary>
    private static long ThreadCpuTicks()
    {
        ClockGetTime(3, out var t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    public static void Run(string[] args)
    {
        string dir = args[1];
        int images = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8;
        int threads = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 1;
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
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        foreach (var (image, cams) in inputs)
        {
            var t0 = ThreadCpuTicks();
            var features = CrfKernel.BilateralFeatures(image, crf.BilateralSxy, crf.BilateralSrgb);
            var lattice = PermutohedralLattice.Build(features, 5, parallel);
            var t1 = ThreadCpuTicks();
            var kernel = new CrfKernel(lattice, parallel);
            var t2 = ThreadCpuTicks();
            vertices += lattice.VertexCount;
            var prepared = DenseCrf.Prepare(backend, image, crf);
            var fg = cams;
            int classes = fg.Channels;
            var t3 = ThreadCpuTicks();
            prepared.InferAll([
                CrfUnary.FromLabels(ScoreLabels.Indices(fg, new BackgroundRule.Constant(0.30f)), classes + 1, crf.GtProb),
                CrfUnary.FromLabels(ScoreLabels.Indices(fg, new BackgroundRule.Constant(0.05f)), classes + 1, crf.GtProb),
            ]);
            var t4 = ThreadCpuTicks();
            IrLabelRecipe.Run(backend, image, cams, options);
            var t5 = ThreadCpuTicks();
            build += (t1 - t0) / 1e6;
            norm += (t2 - t1) / 1e6;
            infer += (t4 - t3) / 1e6;
            whole += (t5 - t4) / 1e6;
            GC.KeepAlive(kernel);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        int n = inputs.Count;
        Console.WriteLine($"images {n}, threads {threads}, mean bilateral vertices {vertices / n}");
        Console.WriteLine($"per image, thread CPU ms: bilateral lattice build {build / n:F1}, normalisation {norm / n:F1}, two label CRFs (inference) {infer / n:F1}, whole ir_label {whole / n:F1}");
        Console.WriteLine($"process CPU {cpu.TotalMilliseconds / n:F0} ms per image over wall {wall.Elapsed.TotalMilliseconds / n:F0} ms per image (all four timed parts)");
    }
}
