using WsssGpuRefine.Crf;
using WsssGpuRefine.Io.CamDumps;
using WsssGpuRefine.Methods;
using WsssGpuRefine.RandomWalk;

namespace WsssGpuRefine.Tests.Cli;

/// <summary><c>wsss methods</c> and the consistency of the preset table with the engine's own presets.</summary>
public sealed class MethodsCommandTests
{
    [Fact]
    public void Methods_prints_every_preset_and_one_preset_with_its_upstream_lines()
    {
        var table = WsssProcess.Run("methods");
        Assert.True(table.ExitCode == 0, table.StdErr);
        var rows = table.StdOut.Split('\n');
        foreach (string name in MethodPresets.Names)
            Assert.Contains(rows, r => r.StartsWith(name + " ", StringComparison.Ordinal));

        var advcam = WsssProcess.Run("methods", "advcam");
        Assert.True(advcam.ExitCode == 0, advcam.StdErr);
        Assert.Contains(advcam.StdOut.Split('\n'), l => l.Contains("ir-label") && l.Contains("0.35,0.15") && l.Contains("jbeomlee93/AdvCAM run_sample.py:45-46"));
        Assert.Contains(advcam.StdOut.Split('\n'), l => l.Contains("eval sweep") && l.Contains("0.15:0.34:0.01"));

        var unknown = WsssProcess.Run("methods", "deeplab");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Single(unknown.ErrorLines);
        Assert.StartsWith("error:", unknown.ErrorLines[0]);
    }

    [Fact]
    public void Every_preset_names_values_the_engine_knows_and_cites_each_one()
    {
        foreach (var p in MethodPresets.All)
        {
            if (p.Format is { } format) Assert.True(CamFormatPreset.TryGet(format.Value, out _), $"{p.Name}: format {format.Value}");
            if (p.Crf is { } crf) Assert.True(CrfParameters.TryGetPreset(crf.Value, out _), $"{p.Name}: crf {crf.Value}");
            if (p.RandomWalk is { } rw) Assert.Contains(rw.Value, RandomWalkOptions.PresetNames);
            if (p.RandomWalkCrf is { } rwCrf) CrfParameters.Parse(rwCrf.Value);
            if (p.EvalSweep is { } sweep)
            {
                var v = sweep.Value.Split(':').Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.NotEmpty(global::WsssGpuRefine.Sweep.ThresholdSweep.Range(v[0], v[1], v[2]));
            }
            var sources = new[] { p.Format?.Source, p.EvalThreshold?.Source, p.EvalSweep?.Source, p.Metric.Source, p.IrLabel?.Source, p.LaHa?.Source,
                p.Crf?.Source, p.RandomWalk?.Source, p.Png.Source, p.Scores.Source, p.CountDifficult.Source };
            Assert.All(sources.Where(s => s is not null), s => Assert.False(string.IsNullOrWhiteSpace(s)));
        }
        // The numbers the seed methods' scripts set (spot checks against the upstream lines cited).
        Assert.Equal((0.30f, 0.05f), MethodPresets.Get("irn").IrLabel!.Value);
        Assert.Equal((0.30f, 0.07f), MethodPresets.Get("bes").IrLabel!.Value);
        Assert.Equal((0.40f, 0.10f), MethodPresets.Get("puzzlecam-readme").IrLabel!.Value);
        Assert.Equal((4f, 24f), MethodPresets.Get("seam").LaHa!.Value);
        Assert.Equal((4f, 32f), MethodPresets.Get("psa").LaHa!.Value);
        Assert.False(MethodPresets.Get("icd").CountDifficult.Value);
    }
}
