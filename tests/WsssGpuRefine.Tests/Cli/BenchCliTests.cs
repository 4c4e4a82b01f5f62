using System.Text.Json;
using WsssGpuRefine.Benchmarking;

namespace WsssGpuRefine.Tests.Cli;

public class BenchCliTests
{
    private static readonly string[] StageKeys = ["sweep60", "confusion", "random-walk", "crf", "pipeline"];

    [Fact]
    public void Tiny_cpu_run_prints_a_table_and_writes_every_stage_as_json()
    {
        using var tmp = new TempDirectory();
        string json = tmp.Combine("bench.json");
        var r = WsssProcess.Run("bench", "--backend", "cpu", "--images", "2", "--repeat", "1", "--json", json);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("device: CPU", r.StdOut);
        Assert.Contains("ms/image", r.StdOut);
        Assert.Contains("whole pipeline", r.StdOut);
        Assert.Contains("pipeline overlap ", r.StdOut);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal("wsss-bench/1", root.GetProperty("schema").GetString());
        foreach (string key in new[] { "name", "cpu", "cores", "os", "runtime" })
            Assert.True(root.GetProperty("machine").TryGetProperty(key, out _), $"machine.{key} missing");
        Assert.Equal(2, root.GetProperty("settings").GetProperty("images").GetInt32());
        Assert.Equal(1, root.GetProperty("settings").GetProperty("repeat").GetInt32());
        Assert.Equal(60, root.GetProperty("settings").GetProperty("thresholds").GetInt32());
        Assert.Equal(4, root.GetProperty("settings").GetProperty("batch_size").GetInt32());

        var device = Assert.Single(root.GetProperty("devices").EnumerateArray());
        Assert.Equal("cpu", device.GetProperty("backend").GetString());
        Assert.False(device.GetProperty("software").GetBoolean());
        var stages = device.GetProperty("stages").EnumerateArray().ToList();
        Assert.Equal(StageKeys, stages.Select(s => s.GetProperty("stage").GetString()));
        foreach (var s in stages)
        {
            double ms = s.GetProperty("ms_per_image").GetDouble();
            Assert.True(ms > 0, $"{s.GetProperty("stage")}: ms_per_image {ms}");
            Assert.Equal(1000 / ms, s.GetProperty("images_per_s").GetDouble(), 6);
            Assert.Equal(1.0, s.GetProperty("speedup_vs_cpu").GetDouble(), 9);
            Assert.Equal(1, s.GetProperty("repetitions_ms_per_image").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, s.GetProperty("transfer_ms_per_image").ValueKind);
            var overlap = s.GetProperty("overlap");
            if (s.GetProperty("stage").GetString() != "pipeline")
            {
                Assert.Equal(JsonValueKind.Null, overlap.ValueKind);
                continue;
            }
            // 2 images in one batch of 4: one batch, the decode has nothing to hide behind.
            Assert.Equal(1, overlap.GetProperty("batches").GetInt32());
            Assert.Equal(4, overlap.GetProperty("batch_size").GetInt32());
            foreach (string key in new[] { "decode_s", "compute_s", "wall_s" })
                Assert.True(overlap.GetProperty(key).GetDouble() > 0, $"overlap.{key}");
            Assert.InRange(overlap.GetProperty("overlap").GetDouble(), 0, 1);
        }
    }

    [Fact]
    public void Merge_sets_reports_of_two_machines_side_by_side_with_ratios_to_the_first()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a.json"), b = tmp.Combine("b.json");
        File.WriteAllText(a, Report("laptop", "cpu", "CPU (8 threads, AVX2)", ("sweep60", 10.0), ("crf", 200.0)));
        File.WriteAllText(b, Report("server", "vulkan", "NVIDIA H100 (discrete GPU)", ("sweep60", 2.5), ("crf", 50.0)));

        var r = WsssProcess.Run("bench", "--merge", a, b);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("[1] a.json: laptop", r.StdOut);
        Assert.Contains("[2] b.json: server", r.StdOut);
        Assert.Contains("NVIDIA H100", r.StdOut);
        string sweepLine = Assert.Single(r.StdOut.Split('\n'), l => l.StartsWith("eval sweep"));
        Assert.Contains("10.00 (1.00x)", sweepLine);
        Assert.Contains("2.50 (4.00x)", sweepLine);
        string crfLine = Assert.Single(r.StdOut.Split('\n'), l => l.StartsWith("CRF"));
        Assert.Contains("50.00 (4.00x)", crfLine);
    }

    [Fact]
    public void Merge_shows_the_pipeline_overlap_of_each_column_that_recorded_one()
    {
        using var tmp = new TempDirectory();
        string a = tmp.Combine("a.json"), b = tmp.Combine("b.json");
        File.WriteAllText(a, Report("old", "cpu", "CPU", ("pipeline", 900.0)));
        var pipeline = new BenchStageResult
        {
            Stage = "pipeline", MsPerImage = 800, RepetitionsMsPerImage = [800],
            Overlap = new BenchOverlap { DecodeSeconds = 1, ComputeSeconds = 9, WallSeconds = 9.25, Batches = 4, BatchSize = 4 },
        };
        File.WriteAllText(b, new BenchReport
        {
            TimestampUtc = DateTime.UtcNow,
            Machine = new BenchMachine { Name = "new", Cpu = "cpu", Cores = 2, Os = "linux", Runtime = ".NET" },
            Settings = new BenchSettings { Images = 16, Repeat = 1, BatchSize = 4 },
            Devices = [new BenchDeviceResult { Backend = "cpu", Device = "CPU", Stages = [pipeline] }],
        }.ToJson());

        var r = WsssProcess.Run("bench", "--merge", a, b);
        Assert.True(r.ExitCode == 0, r.StdErr);
        string line = Assert.Single(r.StdOut.Split('\n'), l => l.StartsWith("pipeline overlap (0..1)"));
        // The older report has none ("-"); the newer one hid 0.75 of its 1 s of decoding: (1 + 9 - 9.25) / 1.
        Assert.Equal(["-", "0.75"], line["pipeline overlap (0..1)".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Merge_of_a_file_that_is_no_bench_report_fails_with_one_line_naming_it()
    {
        using var tmp = new TempDirectory();
        string bad = tmp.Combine("eval.json");
        File.WriteAllText(bad, """{"miou": 0.5}""");
        var r = WsssProcess.Run("bench", "--merge", bad);
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("error: ", line);
        Assert.Contains("eval.json", line);
        Assert.Contains("not a wsss bench report", line);
    }

    [Fact]
    public void Unknown_stage_is_refused_before_any_work()
    {
        var r = WsssProcess.Run("bench", "--backend", "cpu", "--stages", "sweep60,tsne");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown stage 'tsne'", Assert.Single(r.ErrorLines));
    }

    [Backends.Vulkan.VulkanFact]
    public void Vulkan_run_marks_a_software_driver_and_reports_transfers_apart()
    {
        using var tmp = new TempDirectory();
        string json = tmp.Combine("bench.json");
        var r = WsssProcess.Run("bench", "--backend", "vulkan", "--images", "1", "--repeat", "1", "--stages", "sweep60,confusion", "--json", json);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var devices = doc.RootElement.GetProperty("devices").EnumerateArray().ToList();
        Assert.NotEmpty(devices);
        Assert.All(devices, d => Assert.Equal("vulkan", d.GetProperty("backend").GetString()));
        foreach (var d in devices)
        {
            if (d.GetProperty("software").GetBoolean())
            {
                Assert.Equal("software, correctness only", d.GetProperty("note").GetString());
                Assert.Contains("software, correctness only", r.StdOut);
            }
            foreach (var s in d.GetProperty("stages").EnumerateArray())
            {
                Assert.True(s.GetProperty("transfer_ms_per_image").GetDouble() > 0);
                // No CPU run in a --backend vulkan bench: nothing to compare against.
                Assert.Equal(JsonValueKind.Null, s.GetProperty("speedup_vs_cpu").ValueKind);
            }
        }
    }

    private static string Report(string machine, string backend, string device, params (string Stage, double Ms)[] stages) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["schema"] = "wsss-bench/1",
            ["timestamp_utc"] = "2026-01-01T00:00:00Z",
            ["machine"] = new { name = machine, cpu = "some cpu", cores = 8, os = "linux", runtime = ".NET 10" },
            ["settings"] = new { images = 16, repeat = 3 },
            ["devices"] = new[]
            {
                new
                {
                    backend, device, software = false,
                    stages = stages.Select(s => new { stage = s.Stage, ms_per_image = s.Ms, repetitions_ms_per_image = new[] { s.Ms } }),
                },
            },
        });
}
