using System.CommandLine;
using System.Globalization;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Benchmarking;
using WsssGpuRefine.Core;
using WsssGpuRefine.Io;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class BenchCommand : ICliCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public Command Build()
    {
        var backend = new Option<BackendPreference?>("--backend")
        {
            Description = "cpu, or vulkan (every usable Vulkan device, software drivers included, no CPU baseline); default: the CPU and every real GPU",
            HelpName = "auto|cpu|vulkan",
            CustomParser = CommonOptions.ParseBackend,
        };
        var device = new Option<string?>("--device") { Description = "only Vulkan devices whose name contains this (case-insensitive)" };
        var images = new Option<int>("--images") { Description = "synthetic VOC-size images (500x375) per timed repetition", DefaultValueFactory = _ => 16 };
        var repeat = new Option<int>("--repeat") { Description = "timed repetitions per stage after the warm-up (the median is reported)", DefaultValueFactory = _ => 3 };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "images per batch of the pipeline stage's decode/compute stream (batch k+1 is decoded while batch k computes; one batch has nothing to overlap)",
            DefaultValueFactory = _ => 4,
        };
        var stages = new Option<string>("--stages")
        {
            Description = $"comma-separated stages to run: {string.Join(", ", BenchStages.All.Select(BenchStages.Key))} or all",
            DefaultValueFactory = _ => "all",
        };
        var json = CommonOptions.Json();
        var merge = new Option<FileInfo[]>("--merge")
        {
            Description = "print the --json reports of earlier runs (other machines too) as one table instead of running",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("bench",
            "Time each stage (eval sweep, confusion, random walk, CRF, whole pipeline) on synthetic VOC-size data on every backend and device found.")
        {
            backend, device, images, repeat, batchSize, stages, json, merge,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            if (parse.GetValue(merge) is { Length: > 0 } files)
            {
                PrintMerged(files.Select(f => (f.Name, BenchReport.Read(f.FullName))).ToList());
                return 0;
            }
            // The options check their own ranges and stage names; each message names its flag.
            var options = CliRunner.AsUsage(() => new BenchOptions
            {
                Images = parse.GetValue(images),
                Repeat = parse.GetValue(repeat),
                BatchSize = parse.GetValue(batchSize),
                Stages = BenchStages.Parse(parse.GetValue(stages)!),
            });
            var preference = parse.GetValue(backend) ?? BackendPreference.Auto;
            string? filter = parse.GetValue(device) ?? VulkanDevices.DeviceFilterFromEnvironment();
            var targets = Targets(preference, filter);

            Console.Error.WriteLine($"bench: generating {options.Images} synthetic {VocSizeData.Width}x{VocSizeData.Height} images");
            var runner = new BenchRunner(options);
            var results = new List<BenchDeviceResult>();
            foreach (var target in targets)
            {
                ComputeBackend computeBackend;
                try
                {
                    computeBackend = target.Create();
                }
                catch (VulkanBackendException e)
                {
                    Console.Error.WriteLine($"info: skipping '{target.Name}': {e.Message}");
                    continue;
                }
                using (computeBackend)
                {
                    var rows = runner.Run(computeBackend, line => Console.Error.WriteLine($"bench: {line}"));
                    results.Add(new BenchDeviceResult
                    {
                        Backend = computeBackend.Name,
                        Device = computeBackend.DeviceName,
                        Software = target.Software,
                        Note = target.Software ? "software, correctness only" : null,
                        Stages = rows,
                    });
                }
            }
            if (results.Count == 0) throw new ArgumentException("no backend could be run");
            BenchRunner.AddSpeedups(results);
            var report = new BenchReport { TimestampUtc = DateTime.UtcNow, Machine = BenchMachine.Current(), Settings = runner.Settings, Devices = results };
            Print(report);
            if (parse.GetValue(json) is { } jsonFile) AtomicFileWriter.WriteAllText(jsonFile.FullName, report.ToJson());
            return 0;
        }));
        return command;
    }

    private sealed record Target(string Name, bool Software, Func<ComputeBackend> Create);

    /// <summary>The CPU path unless only Vulkan is asked for; every usable Vulkan device the filter keeps, software drivers only with --backend vulkan.</summary>
    private static List<Target> Targets(BackendPreference preference, string? filter)
    {
        var targets = new List<Target>();
        if (preference != BackendPreference.Vulkan) targets.Add(new Target("cpu", false, () => new CpuBackend()));
        if (preference == BackendPreference.Cpu) return targets;

        var listing = VulkanDevices.Enumerate();
        if (!listing.IsAvailable)
        {
            if (preference == BackendPreference.Vulkan) throw new VulkanBackendException($"--backend vulkan: no Vulkan device found: {listing.UnavailableReason}");
            Console.Error.WriteLine($"info: no Vulkan device ({listing.UnavailableReason}); timing the CPU path only");
            return targets;
        }
        foreach (var d in listing.Devices)
        {
            if (!string.IsNullOrEmpty(filter) && !d.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            if (!d.IsUsable)
                Console.Error.WriteLine($"info: skipping '{d}': {d.UnusableReason}");
            else if (d.IsSoftware && preference != BackendPreference.Vulkan)
                Console.Error.WriteLine($"info: skipping software driver '{d}' (add --backend vulkan to time it; correctness only)");
            else
                targets.Add(new Target(d.ToString(), d.IsSoftware, () => VulkanBackend.Create(d)));
        }
        if (preference == BackendPreference.Vulkan && targets.Count == 0)
            throw new VulkanBackendException($"--backend vulkan: no usable Vulkan device{(string.IsNullOrEmpty(filter) ? "" : $" matches '{filter}'")} " +
                                             $"(found: {string.Join(", ", listing.Devices)})");
        return targets;
    }

    private static void Print(BenchReport report)
    {
        var s = report.Settings;
        Console.WriteLine($"machine {report.Machine.Name}: {report.Machine.Cpu}, {report.Machine.Cores} cores, {report.Machine.Runtime}");
        Console.WriteLine($"data: {s.Images} synthetic {s.Width}x{s.Height} images, {s.Classes} classes, {s.Repeat} timed repetition(s) after a warm-up, median shown");
        foreach (var d in report.Devices)
        {
            Console.WriteLine();
            Console.WriteLine($"device: {d.Device} [{d.Backend}]{(d.Software ? " - software, correctness only: not a GPU speed" : "")}");
            Console.WriteLine($"  {"stage",-42} {"ms/image",10} {"images/s",10} {"vs CPU",8} {"transfer ms",12} {"GPU ms",9}");
            foreach (var row in d.Stages)
            {
                var stage = BenchStages.All.FirstOrDefault(x => BenchStages.Key(x) == row.Stage);
                Console.WriteLine($"  {BenchStages.Describe(stage),-42} {Ms(row.MsPerImage),10} {row.ImagesPerSecond.ToString("F1", Inv),10} " +
                                  $"{(row.SpeedupVsCpu is { } x ? x.ToString("F2", Inv) + "x" : "-"),8} {Opt(row.TransferMsPerImage),12} {Opt(row.GpuComputeMsPerImage),9}" +
                                  (row.Note is null ? "" : $"  ({row.Note})"));
            }
            foreach (var row in d.Stages)
                if (row.Overlap is { } o)
                    Console.WriteLine($"  {row.Stage} overlap {o.Overlap.ToString("F2", Inv)}: decode {Seconds(o.DecodeSeconds)} s, compute {Seconds(o.ComputeSeconds)} s, " +
                                      $"wall {Seconds(o.WallSeconds)} s over {o.Batches} batches of {o.BatchSize} " +
                                      "(overlap = (decode + compute - wall) / min(decode, compute): 0 one after the other, 1 the shorter hidden)");
        }
    }

    private static string Seconds(double s) => s.ToString(s >= 10 ? "F1" : "F3", Inv);

    /// <summary>One row per stage, one column per (report, device); each cell is ms/image and its ratio to the first column.</summary>
    private static void PrintMerged(List<(string File, BenchReport Report)> reports)
    {
        var columns = reports.SelectMany(r => r.Report.Devices.Select(d => (r.File, r.Report, Device: d))).ToList();
        Console.WriteLine("columns:");
        for (int i = 0; i < columns.Count; i++)
        {
            var (file, report, d) = columns[i];
            Console.WriteLine($"  [{i + 1}] {file}: {report.Machine.Name} ({report.Machine.Cpu}, {report.Machine.Cores} cores) {d.Backend} {d.Device}" +
                              $"{(d.Software ? " - software, correctness only" : "")}; {report.Settings.Images} images x {report.Settings.Repeat}");
        }
        Console.WriteLine("ms per image (ratio: column [1] / this column, higher = faster)");
        Console.Write($"{"stage",-42}");
        for (int i = 0; i < columns.Count; i++) Console.Write($" {"[" + (i + 1) + "]",18}");
        Console.WriteLine();
        var stageKeys = columns.SelectMany(c => c.Device.Stages.Select(s => s.Stage)).Distinct().ToList();
        foreach (string key in stageKeys)
        {
            var stage = BenchStages.All.FirstOrDefault(x => BenchStages.Key(x) == key);
            string name = BenchStages.All.Any(x => BenchStages.Key(x) == key) ? BenchStages.Describe(stage) : key;
            Console.Write($"{name,-42}");
            double? first = columns[0].Device.Stages.FirstOrDefault(x => x.Stage == key)?.MsPerImage;
            foreach (var c in columns)
            {
                var row = c.Device.Stages.FirstOrDefault(x => x.Stage == key);
                string cell = row is null ? "-"
                    : first is { } f && row.MsPerImage > 0 ? $"{Ms(row.MsPerImage)} ({(f / row.MsPerImage).ToString("F2", Inv)}x)" : Ms(row.MsPerImage);
                Console.Write($" {cell,18}");
            }
            Console.WriteLine();
        }
        // The pipeline stage's decode/compute overlap (0..1, higher = more of the decoding hidden), where recorded.
        var overlapKeys = columns.SelectMany(c => c.Device.Stages.Where(s => s.Overlap is not null).Select(s => s.Stage)).Distinct().ToList();
        foreach (string key in overlapKeys)
        {
            Console.Write($"{key + " overlap (0..1)",-42}");
            foreach (var c in columns)
            {
                var o = c.Device.Stages.FirstOrDefault(x => x.Stage == key)?.Overlap;
                Console.Write($" {(o is null ? "-" : o.Overlap.ToString("F2", Inv)),18}");
            }
            Console.WriteLine();
        }
    }

    private static string Ms(double ms) => ms.ToString(ms >= 100 ? "F1" : ms >= 1 ? "F2" : "F3", Inv);

    private static string Opt(double? ms) => ms is { } v ? Ms(v) : "-";
}
