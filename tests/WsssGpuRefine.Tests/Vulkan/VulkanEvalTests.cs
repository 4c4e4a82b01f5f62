using WsssGpuRefine.Backends;
using WsssGpuRefine.Jobs;
using WsssGpuRefine.Sweep;
using WsssGpuRefine.Tests.Cli;
using WsssGpuRefine.Tests.Evaluation;

namespace WsssGpuRefine.Tests.Vulkan;

/// <summary>The evaluation acceptance tests, run again on the Vulkan backend: same reference, same numbers.</summary>
[Collection(VulkanCollection.Name)]
public class VulkanEvalTests(VulkanFixture fixture)
{
    [VulkanTheory]
    [InlineData("irn", false)]
    [InlineData("puzzlecam", false)]
    [InlineData("vwe", false)]
    [InlineData("psa", false)]
    [InlineData("bg-fg", false)]
    [InlineData("ssdd", true)]
    [InlineData("cpn", true)]
    [InlineData("sccam", true)]
    public void Threshold_mIoU_matches_chainercv_reference(string format, bool forceFormat)
    {
        foreach (var backend in fixture.All) EvalFixtureTests.AssertThresholdMatchesReference(backend, format, forceFormat);
    }

    [VulkanTheory]
    [InlineData("irn")]
    [InlineData("psa")]
    public void Sweep_matches_per_threshold_reference(string format)
    {
        foreach (var backend in fixture.All) EvalFixtureTests.AssertSweepMatchesReference(backend, format);
    }

    [VulkanTheory]
    [InlineData("irn", "--threshold", "0.15")]
    [InlineData("psa", "--sweep", "0:0.59:0.01")]
    [InlineData("puzzlecam", "--bg-power", "4")]
    [InlineData("vwe", "--sweep", "0.05:0.75:0.05")]
    [InlineData("bg-fg", "--threshold", "0.3")]
    public void Cli_json_is_identical_on_cpu_and_vulkan(string format, string rule, string value)
    {
        using var tmp = new TempDirectory();
        string Run(string backend)
        {
            string json = tmp.Combine(backend + ".json");
            var r = WsssProcess.Run("eval", "--cams", Path.Combine(EvalFixtureTests.Root, format), "--gt", Path.Combine(EvalFixtureTests.Root, "gt"),
                "--list", Path.Combine(EvalFixtureTests.Root, "train.txt"), rule, value, "--backend", backend, "--json", json);
            Assert.True(r.ExitCode == 0, r.StdErr);
            return File.ReadAllText(json).Replace("\"backend\": \"" + backend + "\"", "\"backend\": \"?\"");
        }
        Assert.Equal(Run("cpu"), Run("vulkan"));
    }
}
