using WsssGpuRefine.Backends;
using WsssGpuRefine.Benchmarking;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Tests.Benchmarking;

public class BenchRunnerTests
{
    [Fact]
    public void Stage_list_parses_keys_in_order_and_refuses_unknown_ones()
    {
        Assert.Equal([BenchStage.Crf, BenchStage.Sweep], BenchStages.Parse("crf, sweep60,crf"));
        Assert.Equal(BenchStages.All, BenchStages.Parse("all"));
        var e = Assert.Throws<ArgumentException>(() => BenchStages.Parse("sweep60,rw"));
        Assert.Contains("'rw'", e.Message);
    }

    [Fact]
    public void Speedups_are_cpu_ms_over_device_ms_per_stage_and_absent_without_a_cpu_run()
    {
        static BenchDeviceResult Device(string backend, params (string Stage, double Ms)[] rows) => new()
        {
            Backend = backend,
            Device = backend,
            Stages = rows.Select(r => new BenchStageResult { Stage = r.Stage, MsPerImage = r.Ms, RepetitionsMsPerImage = [r.Ms] }).ToList(),
        };
        var devices = new List<BenchDeviceResult> { Device("cpu", ("sweep60", 10), ("crf", 150)), Device("vulkan", ("sweep60", 2.5), ("crf", 300), ("pipeline", 7)) };
        BenchRunner.AddSpeedups(devices);
        Assert.Equal(1.0, devices[0].Stages[0].SpeedupVsCpu);
        Assert.Equal(4.0, devices[1].Stages[0].SpeedupVsCpu);
        Assert.Equal(0.5, devices[1].Stages[1].SpeedupVsCpu);
        Assert.Null(devices[1].Stages[2].SpeedupVsCpu); // no CPU row to compare with

        var vulkanOnly = new List<BenchDeviceResult> { Device("vulkan", ("sweep60", 2.5)) };
        BenchRunner.AddSpeedups(vulkanOnly);
        Assert.Null(vulkanOnly[0].Stages[0].SpeedupVsCpu);
    }

    [Fact]
    public void Report_survives_a_json_round_trip_and_a_foreign_file_is_refused()
    {
        var report = new BenchReport
        {
            TimestampUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            Machine = new BenchMachine { Name = "box", Cpu = "cpu x", Cores = 8, Os = "linux", Runtime = ".NET" },
            Settings = new BenchSettings { Images = 16, Repeat = 3 },
            Devices =
            [
                new BenchDeviceResult
                {
                    Backend = "vulkan", Device = "llvmpipe", Software = true, Note = "software, correctness only",
                    Stages = [new BenchStageResult { Stage = "sweep60", MsPerImage = 4, RepetitionsMsPerImage = [4, 5], TransferMsPerImage = 0.5, GpuComputeMsPerImage = 3 }],
                },
            ],
        };
        string dir = Path.Combine(Path.GetTempPath(), "wsss-benchreport-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "r.json");
            File.WriteAllText(file, report.ToJson());
            var back = BenchReport.Read(file);
            Assert.Equal("box", back.Machine.Name);
            Assert.Equal(16, back.Settings.Images);
            var row = Assert.Single(Assert.Single(back.Devices).Stages);
            Assert.True(back.Devices[0].Software);
            Assert.Equal(4, row.MsPerImage);
            Assert.Equal(250, row.ImagesPerSecond);
            Assert.Equal([4.0, 5.0], row.RepetitionsMsPerImage);
            Assert.Equal(0.5, row.TransferMsPerImage);
            Assert.Equal(3, row.GpuComputeMsPerImage);

            string other = Path.Combine(dir, "eval.json");
            File.WriteAllText(other, """{"schema": "something-else"}""");
            var e = Assert.Throws<WsssInputException>(() => BenchReport.Read(other));
            Assert.Equal(other, e.File);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Synthetic_items_are_voc_sized_with_2_to_3_classes_a_void_band_and_an_image()
    {
        var items = VocSizeData.Pool(6, seed: 7);
        var again = VocSizeData.Pool(6, seed: 7);
        for (int i = 0; i < items.Length; i++)
        {
            var it = items[i];
            Assert.InRange(it.Cams.Channels, 2, 3);
            Assert.All(it.Cams.LabelIds, id => Assert.InRange(id, 1, 20));
            Assert.Equal((375, 500), (it.Gt.Height, it.Gt.Width));
            Assert.Equal((375, 500), (it.Image.Height, it.Image.Width));
            Assert.All(it.Cams.Data, v => Assert.InRange(v, 0f, 1f));
            var values = it.Gt.Labels.Distinct().ToHashSet();
            Assert.Contains((byte)255, values);                       // the void band
            Assert.Subset(new HashSet<byte>([0, 255, .. it.Cams.LabelIds.Select(x => (byte)x)]), values);
            Assert.Equal(it.Gt.Labels, again[i].Gt.Labels);            // same seed, same data
            Assert.Equal(it.Image.Pixels, again[i].Image.Pixels);
        }
        Assert.Equal(new[] { items[0], items[1], items[0] }, VocSizeData.Repeat(items[..2], 3));
    }

    [Fact]
    public void A_tiny_run_times_every_asked_stage_on_the_cpu()
    {
        var runner = new BenchRunner(new BenchOptions { Images = 1, Repeat = 2, Stages = [BenchStage.Confusion, BenchStage.Sweep] });
        using var cpu = new CpuBackend();
        var rows = runner.Run(cpu);
        Assert.Equal(["confusion", "sweep60"], rows.Select(r => r.Stage));
        Assert.All(rows, r =>
        {
            Assert.Equal(2, r.RepetitionsMsPerImage.Length);
            Assert.True(r.MsPerImage > 0);
            Assert.Null(r.TransferMsPerImage); // the CPU path reports no transfers
        });
        Assert.All(rows, r => Assert.Null(r.Overlap)); // only the pipeline stage streams decode → compute
        Assert.Throws<ArgumentException>(() => new BenchOptions { Images = 0 });
        Assert.Throws<ArgumentException>(() => new BenchOptions { BatchSize = 0 });
        Assert.Throws<ArgumentException>(() => new BenchOptions { Repeat = 0 });
    }

    [Fact]
    public void The_pipeline_stage_streams_decoded_batches_and_reports_their_overlap()
    {
        // 3 images in batches of 2: 2 batches per repetition, 2 timed repetitions (the warm-up is not counted).
        var runner = new BenchRunner(new BenchOptions { Images = 3, Repeat = 2, BatchSize = 2, Stages = [BenchStage.Pipeline] });
        Assert.Equal(2, runner.Settings.BatchSize);
        using var cpu = new CpuBackend();
        var row = Assert.Single(runner.Run(cpu));
        var o = Assert.IsType<BenchOverlap>(row.Overlap);
        Assert.Equal(4, o.Batches);
        Assert.Equal(2, o.BatchSize);
        Assert.True(o.DecodeSeconds > 0 && o.ComputeSeconds > 0 && o.WallSeconds > 0, $"{o}");
        Assert.Equal(WsssGpuRefine.Jobs.StreamOverlap.Of(o.DecodeSeconds, o.ComputeSeconds, o.WallSeconds), o.Overlap);
    }

    [Fact]
    public void Overlap_is_written_under_its_json_keys_and_computed_from_the_three_times()
    {
        var row = new BenchStageResult
        {
            Stage = "pipeline", MsPerImage = 10, RepetitionsMsPerImage = [10],
            Overlap = new BenchOverlap { DecodeSeconds = 2, ComputeSeconds = 6, WallSeconds = 7, Batches = 8, BatchSize = 4 },
        };
        var report = new BenchReport
        {
            TimestampUtc = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            Machine = new BenchMachine { Name = "box", Cpu = "cpu x", Cores = 2, Os = "linux", Runtime = ".NET" },
            Settings = new BenchSettings { Images = 32, Repeat = 1, BatchSize = 4 },
            Devices = [new BenchDeviceResult { Backend = "cpu", Device = "cpu", Stages = [row, row with { Stage = "crf", Overlap = null }] }],
        };
        using var doc = System.Text.Json.JsonDocument.Parse(report.ToJson());
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("settings").GetProperty("batch_size").GetInt32());
        var stages = root.GetProperty("devices")[0].GetProperty("stages");
        var overlap = stages[0].GetProperty("overlap");
        Assert.Equal(2, overlap.GetProperty("decode_s").GetDouble());
        Assert.Equal(6, overlap.GetProperty("compute_s").GetDouble());
        Assert.Equal(7, overlap.GetProperty("wall_s").GetDouble());
        Assert.Equal(8, overlap.GetProperty("batches").GetInt32());
        Assert.Equal(4, overlap.GetProperty("batch_size").GetInt32());
        Assert.Equal(0.5, overlap.GetProperty("overlap").GetDouble(), 12); // (2 + 6 - 7) / min(2, 6)
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stages[1].GetProperty("overlap").ValueKind);
    }
}
