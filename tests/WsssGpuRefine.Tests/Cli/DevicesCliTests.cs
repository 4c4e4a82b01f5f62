namespace WsssGpuRefine.Tests.Cli;

public class DevicesCliTests
{
    [Fact]
    public void Without_a_vulkan_driver_lists_cpu_and_says_why()
    {
        var r = WsssProcess.Run(["devices"], new Dictionary<string, string>
        {
            ["VK_DRIVER_FILES"] = "/nonexistent/icd.json",
            ["VK_ICD_FILENAMES"] = "/nonexistent/icd.json",
        });
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("backend cpu", r.StdOut);
        Assert.Contains("not available", r.StdOut);
        Assert.Contains("auto picks: cpu", r.StdOut);
    }

    [Backends.Vulkan.VulkanFact]
    public void With_lavapipe_lists_it_but_auto_never_picks_a_software_device()
    {
        var r = WsssProcess.Run("devices");
        Assert.Equal(0, r.ExitCode);
        bool onlySoftware = !Backends.Vulkan.VulkanTestEnvironment.Listing.Devices.Any(d => !d.IsSoftware && d.IsUsable);
        if (onlySoftware) Assert.Contains("auto picks: cpu", r.StdOut);
        Assert.Contains("--backend vulkan picks:", r.StdOut);
    }
}
