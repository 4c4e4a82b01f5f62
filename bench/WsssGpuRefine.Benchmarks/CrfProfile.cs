using System.Diagnostics;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Core;
using WsssGpuRefine.Crf;
using WsssGpuRefine.Jobs;

namespace WsssGpuRefine.Benchmarks;

/// <summary>
/// Stopwatch breakdown of IRN's ir_label recipe (jiwoon-ahn/irn step/cam_to_ir_label.py) on a folder written by
/// <c>wsss demo --generate-only</c>: per image the bilateral lattice build, its normalisation, and the two label
/// CRFs, on one thread, summed over the images. Run:
/// <c>dotnet run -c Release --project bench/WsssGpuRefine.Benchmarks -- crf-profile DIR [IMAGES] [THREADS]</c>.
/// </summary>
internal static class CrfProfile
{
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
            var image = Io.Png.RgbImageReader.Read(DatasetInputs.ImagePath(Path.Combine(dir, "JPEGImages"), id));
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
            var t0 = Stopwatch.GetTimestamp();
            var features = CrfKernel.BilateralFeatures(image, crf.BilateralSxy, crf.BilateralSrgb);
            var lattice = PermutohedralLattice.Build(features, 5, parallel);
            var t1 = Stopwatch.GetTimestamp();
            var kernel = new CrfKernel(lattice, parallel);
            var t2 = Stopwatch.GetTimestamp();
            vertices += lattice.VertexCount;
            var prepared = DenseCrf.Prepare(backend, image, crf);
            var fg = cams;
            int classes = fg.Channels;
            var t3 = Stopwatch.GetTimestamp();
            prepared.InferAll([
                CrfUnary.FromLabels(IrLabelRecipe.ThresholdArgmax(fg, 0.30f), classes + 1, crf.GtProb),
                CrfUnary.FromLabels(IrLabelRecipe.ThresholdArgmax(fg, 0.05f), classes + 1, crf.GtProb),
            ]);
            var t4 = Stopwatch.GetTimestamp();
            IrLabelRecipe.Run(backend, image, cams, options);
            var t5 = Stopwatch.GetTimestamp();
            build += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            norm += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            infer += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
            whole += Stopwatch.GetElapsedTime(t4, t5).TotalMilliseconds;
            GC.KeepAlive(kernel);
        }
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        int n = inputs.Count;
        Console.WriteLine($"images {n}, threads {threads}, mean bilateral vertices {vertices / n}");
        Console.WriteLine($"per image ms: bilateral lattice build {build / n:F1}, normalisation {norm / n:F1}, two label CRFs (inference) {infer / n:F1}, whole ir_label {whole / n:F1}");
        Console.WriteLine($"process CPU {cpu.TotalMilliseconds / n:F0} ms per image over wall {wall.Elapsed.TotalMilliseconds / n:F0} ms per image (all four timed parts)");
    }
}
