using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using WsssGpuRefine.Core;
using WsssGpuRefine.Datasets.Synthetic;

namespace WsssGpuRefine.Tests.Cli;

/// <summary>
/// What a copied <c>wsss</c> tells about itself: its version (the same string in <c>--version</c> and every JSON it
/// writes) and, in <c>wsss devices</c>, each native piece the machine lacks (README "Native dependencies").
/// </summary>
public class DistributionCliTests
{
    [Theory]
    [InlineData("0.1.0+eb5338dfb33bb4e11480ea1c401ea21995e98cd6", "0.1.0+eb5338dfb33bb4e11480ea1c401ea21995e98cd6")]
    [InlineData("0.1.0+EB5338D", "0.1.0+eb5338d")]
    [InlineData("0.1.0", "0.1.0+unknown")]
    [InlineData("1.2.3-beta+not-a-sha", "1.2.3-beta+unknown")]
    [InlineData("", "0.0.0+unknown")]
    [InlineData(null, "0.0.0+unknown")]
    public void Version_is_version_plus_commit_or_unknown(string? informational, string expected) =>
        Assert.Equal(expected, BuildInfo.Describe(informational));

    [Fact]
    public void Version_option_prints_the_string_every_json_output_carries()
    {
        var r = WsssProcess.Run("--version");
        Assert.Equal(0, r.ExitCode);
        string version = r.StdOut.Trim();
        Assert.Matches(@"^\d+\.\d+\.\d+\+([0-9a-f]{7,40}|unknown)$", version);
        Assert.Equal(BuildInfo.Version, version);

        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"),
            SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 2 }));
        string eval = tmp.Combine("eval.json"), shard = tmp.Combine("shard.json"), merged = tmp.Combine("merged.json"),
            refine = tmp.Combine("refine.json"), devices = tmp.Combine("devices.json"), bench = tmp.Combine("bench.json"), output = tmp.Combine("out");
        var runs = new[]
        {
            WsssProcess.Run("eval", "--cams", layout.IrnCams, "--gt", layout.GroundTruth, "--list", layout.List, "--threshold", "0.15", "--backend", "cpu", "--json", eval),
            WsssProcess.Run("eval", "--cams", layout.IrnCams, "--gt", layout.GroundTruth, "--list", layout.List, "--threshold", "0.15", "--backend", "cpu",
                "--shard", "0/2", "--json", shard),
            WsssProcess.Run("merge", shard, "--partial", "--json", merged),
            WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--threshold", "0.15", "--gt", layout.GroundTruth,
                "--backend", "cpu", "--json", refine),
            WsssProcess.Run("devices", "--json", devices),
            WsssProcess.Run("bench", "--backend", "cpu", "--images", "1", "--repeat", "1", "--stages", "sweep60", "--json", bench),
        };
        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.StdErr));
        foreach (string json in new[] { eval, shard, merged, refine, devices, bench, Path.Combine(output, "wsss-run.json") })
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(version, doc.RootElement.GetProperty("version").GetString());
            Assert.Contains($"\"version\": \"{version}\"", File.ReadAllText(json)); // '+' written as it is, for grep
        }
    }

    /// <summary>
    /// The CLI's own JSON files are built as JsonObjects (no reflection, for the NativeAOT build); their keys, in
    /// order, are those the anonymous types of 813f205 wrote, which scripts reading them rely on.
    /// </summary>
    [Fact]
    public void Run_manifest_refine_json_and_devices_json_keep_their_keys_in_order()
    {
        using var tmp = new TempDirectory();
        var layout = SyntheticSampleWriter.Write(tmp.Combine("sample"),
            SyntheticVocSample.Generate(SyntheticVocSample.Parameters.Embedded() with { Images = 2 }));
        string refine = tmp.Combine("refine.json"), devices = tmp.Combine("devices.json"), output = tmp.Combine("out");
        var runs = new[]
        {
            WsssProcess.Run("refine", "--cams", layout.IrnCams, "--list", layout.List, "--out", output, "--threshold", "0.15",
                "--backend", "cpu", "--json", refine),
            WsssProcess.Run("devices", "--json", devices),
        };
        Assert.All(runs, run => Assert.True(run.ExitCode == 0, run.StdErr));
        string[] stages = ["stage_seconds", "stage_seconds.decode", "stage_seconds.threshold", "stage_seconds.write"];
        Assert.Equal(["tool", "recipe", "recipe_fingerprint", "version", "arguments", "started", "finished", "backend", "device",
            "shard", "images", "written", "skipped_complete", .. stages, "miou", "failures"], KeyPaths(Path.Combine(output, "wsss-run.json")));
        Assert.Equal(["version", "images", "written", "skipped_complete", "backend", .. stages, "failures"], KeyPaths(refine));

        using var doc = JsonDocument.Parse(File.ReadAllText(devices));
        int deviceCount = doc.RootElement.GetProperty("vulkan").GetProperty("devices").GetArrayLength();
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.True(deviceCount > 0, "CI has lavapipe");
        string[] device = deviceCount == 0 ? [] : ["vulkan.devices.0.index", "vulkan.devices.0.name", "vulkan.devices.0.type",
            "vulkan.devices.0.software", "vulkan.devices.0.usable", "vulkan.devices.0.device_local_bytes", "vulkan.devices.0.api",
            "vulkan.devices.0.max_storage_buffer_range", "vulkan.devices.0.max_workgroup_count", "vulkan.devices.0.shared_memory_bytes",
            "vulkan.devices.0.subgroup_size"];
        Assert.Equal(["version", "native", "native.0.name", "native.0.found", "native.0.detail", "cpu", "cpu.device", "cpu.threads",
            "vulkan", "vulkan.available", "vulkan.reason", "vulkan.devices", .. device, "auto"], KeyPaths(devices));
    }

    /// <summary>Every key of a JSON file, depth first, dotted; an array of objects contributes its first element's as "NAME.0.KEY".</summary>
    private static List<string> KeyPaths(string file)
    {
        var keys = new List<string>();
        void Walk(JsonElement e, string prefix)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject()) { keys.Add(prefix + p.Name); Walk(p.Value, prefix + p.Name + "."); }
            }
            else if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e[0].ValueKind == JsonValueKind.Object)
            {
                Walk(e[0], prefix + "0.");
            }
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        Walk(doc.RootElement, "");
        return keys;
    }

    [Fact]
    public void Devices_lists_the_native_libraries_it_found()
    {
        var r = WsssProcess.Run("devices");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"\n  glibc: 2\.\d+ \(2\.27 or newer needed\)\n", r.StdOut);
        Assert.Contains("\n  Vulkan loader libvulkan.so.1: found\n", r.StdOut);
        Assert.Matches(@"\n  SkiaSharp native library: found \(Skia \d+", r.StdOut);
        Assert.Matches(@"\n  fonts: found \(.+ for the plots' text\)\n", r.StdOut);
    }

    [Fact]
    public void Devices_says_the_vulkan_loader_is_missing_and_the_cpu_backend_remains()
    {
        var r = WsssProcess.RunHiding([VulkanLoaderFile()], "devices");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("\n  Vulkan loader libvulkan.so.1 not found: install libvulkan1 for GPU runs; CPU backend available\n", r.StdOut);
        Assert.Contains("auto picks: cpu", r.StdOut);
    }

    [Fact]
    public void Devices_says_skiasharp_is_missing_where_the_native_library_is_gone()
    {
        string skia = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libSkiaSharp.so");
        Assert.True(File.Exists(skia), skia);
        var r = WsssProcess.RunHiding([skia], "devices");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("\n  SkiaSharp native library libSkiaSharp.so not found: JPEG decoding, plots and contact sheets fail;", r.StdOut);
        Assert.DoesNotContain("fonts", r.StdOut);
    }

    [Fact]
    public void Devices_says_plots_will_have_no_text_without_fonts()
    {
        var r = WsssProcess.RunHiding(["/usr/share/fonts"], "devices");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("\n  fonts not found: plots are drawn without any text; install fonts-dejavu-core\n", r.StdOut);
    }

    /// <summary>The file the dynamic linker opens for libvulkan.so.1 (the target of ldconfig's entry).</summary>
    private static string VulkanLoaderFile()
    {
        var start = new ProcessStartInfo("/sbin/ldconfig", "-p") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        string cache = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var entry = Regex.Match(cache, @"libvulkan\.so\.1 \(libc6,x86-64\) => (\S+)");
        Assert.True(entry.Success, "libvulkan.so.1 is not installed (the .ci/run apt line installs libvulkan1)");
        return new FileInfo(entry.Groups[1].Value).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? entry.Groups[1].Value;
    }
}
