using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Datasets.Synthetic;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Metrics;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Labels;
using WsssGpuRefine.Threshold;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var output = new Option<DirectoryInfo?>("--out") { Description = "where the sample is written (default: a folder in the temp directory)" };
        var backend = CommonOptions.Backend();
        var images = new Option<int?>("--images") { Description = "generate this many images instead of the embedded sample's 16 (e.g. 1464, VOC train's size)" };
        var size = new Option<string?>("--size") { Description = "WxH of every generated image, e.g. 500x375 (default: the embedded sample's mixed small sizes)" };
        var generateOnly = new Option<bool>("--generate-only") { Description = "write the sample and stop (to run eval/refine/bench on it yourself)" };
        var command = new Command("demo", "Generate the embedded synthetic VOC-format sample and run the whole pipeline on it, printing the mIoU after each stage.")
        {
            output, backend, images, size, generateOnly,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string root = parse.GetValue(output)?.FullName ?? Path.Combine(Path.GetTempPath(), "wsss-demo");
            var parameters = SyntheticVocSample.Parameters.Embedded();
            if (parse.GetValue(images) is { } count)
                parameters = count > 0 ? parameters with { Images = count } : throw new UsageException("--images must be positive");
            if (parse.GetValue(size) is { } text)
            {
                var parts = text.Split('x');
                if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w < 16 || h < 16 || w > 4096 || h > 4096)
                    throw new UsageException($"--size: expected WxH between 16 and 4096, e.g. 500x375, not '{text}'");
                parameters = parameters with { MinWidth = w, MaxWidth = w, MinHeight = h, MaxHeight = h };
            }
            if (parse.GetValue(generateOnly))
            {
                var layout = Generate(root, parameters);
                Console.WriteLine($"sample: {parameters.Images} images in {layout.Root} (list {layout.List}, ground truth {layout.GroundTruth}, dumps {layout.IrnCams} and {layout.PsaCams})");
                return 0;
            }
            using var computeBackend = CliRunner.CreateBackend(parse.GetValue(backend));
            return Run(root, computeBackend, parameters);
        }));
        return command;
    }

    private static SyntheticSampleLayout Generate(string root, SyntheticVocSample.Parameters parameters) =>
        ProgressDisplay.Run("generate", parameters.Images, progress => SyntheticSampleWriter.Write(root, parameters, progress));

    internal static int Run(string root, ComputeBackend backend, SyntheticVocSample.Parameters parameters)
    {
        var clock = Stopwatch.StartNew();
        var layout = Generate(root, parameters);
        Console.WriteLine($"sample: {parameters.Images} synthetic VOC-format images in {layout.Root} ({clock.ElapsedMilliseconds} ms)");
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
