using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var output = new Option<DirectoryInfo?>("--out") { Description = "where the sample is written (default: a folder in the temp directory)" };
        var backend = CommonOptions.Backend();
        var command = new Command("demo", "Generate the embedded synthetic VOC-format sample and run the whole pipeline on it, printing the mIoU after each stage.")
        {
            output, backend,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string root = parse.GetValue(output)?.FullName ?? Path.Combine(Path.GetTempPath(), "wsss-demo");
            using var computeBackend = CliRunner.CreateBackend(parse.GetValue(backend));
            return Run(root, computeBackend);
        }));
        return command;
    }

    internal static int Run(string root, ComputeBackend backend)
    {
        var clock = Stopwatch.StartNew();
        var items = SyntheticVocSample.Generate();
        var layout = SyntheticSampleWriter.Write(root, items);
        Console.WriteLine($"sample: {items.Count} synthetic VOC-format images in {layout.Root} ({clock.ElapsedMilliseconds} ms)");
        Console.WriteLine($"backend: {backend.Name} ({backend.DeviceName})");
        var ids = DatasetInputs.ReadList(layout.List);

        Stage("CAM, IRN dumps, threshold 0.15 (chainercv)", () => EvalJob.Run(backend, new EvalOptions
        {
            GroundTruthDirectory = layout.GroundTruth, Ids = ids, CamsDirectory = layout.IrnCams,
            Rule = new BackgroundRule.Constant(0.15),
        }));
        Stage("CAM, PSA dumps, sweep 0:0.59:0.01 (seam)", () => EvalJob.Run(backend, new EvalOptions
        {
            GroundTruthDirectory = layout.GroundTruth, Ids = DatasetInputs.ReadList(layout.PsaList), CamsDirectory = layout.PsaCams,
            SweepThresholds = ThresholdSweep.Range(0, 0.59, 0.01), Metric = SegmentationMetric.Seam,
        }));
        Stage("random walk, image affinity (IRN recipe)", () => Refine(backend, layout, ids, "refined_rw", rw: true, crf: false));
        Stage("random walk + CRF (irn preset)", () => Refine(backend, layout, ids, "refined_rw_crf", rw: true, crf: true));
        Console.WriteLine($"pseudo labels: {Path.Combine(layout.Root, "refined_rw_crf")} (palette PNGs)");
        Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F2} s");
        return 0;
    }

    private static EvalReport Refine(ComputeBackend backend, SyntheticSampleLayout layout, IReadOnlyList<string> ids, string output, bool rw, bool crf)
    {
        var report = RefineJob.Run(backend, new RefineOptions
        {
            Ids = ids,
            CamsDirectory = layout.IrnCams,
            ImagesDirectory = layout.Images,
            OutputDirectory = Path.Combine(layout.Root, output),
            RandomWalkSource = rw ? AffinitySource.Parse("image") : null,
            Crf = crf ? Crf.CrfParameters.Preset("irn") : null,
            GroundTruthDirectory = layout.GroundTruth,
            Overwrite = true,
        });
        return report.Score! with { Format = "A (IRN dict)" };
    }

    private static void Stage(string name, Func<EvalReport> run)
    {
        var clock = Stopwatch.StartNew();
        var report = run();
        string setting = report.Threshold is { } t ? $" at threshold {t.ToString(CultureInfo.InvariantCulture)}" : "";
        Console.WriteLine($"{name,-48} mIoU {100 * report.MeanIou,6:F2} %{setting}  ({report.Images} images, {clock.ElapsedMilliseconds} ms, format {report.Format ?? "labels"})");
    }
}
