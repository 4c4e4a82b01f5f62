using System.CommandLine;
using System.Text.Json.Nodes;
using WsssGpuRefine.Backends;
using WsssGpuRefine.Backends.Vulkan;
using WsssGpuRefine.Io;

namespace WsssGpuRefine.Cli.Commands;

internal sealed class DevicesCommand : ICliCommand
{
    public Command Build()
    {
        var json = CommonOptions.Json();
        var command = new Command("devices", "List the compute backends and devices found, and which one --backend auto picks.") { json };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var requirements = NativeRequirements.Check();
            Console.WriteLine("native libraries");
            foreach (var r in requirements) Console.WriteLine($"  {r}");
            var listing = VulkanDevices.Enumerate();
            var cpu = new CpuBackend();
            var autoDevice = VulkanDevices.PickBest(listing.Devices, allowSoftware: false, VulkanDevices.DeviceFilterFromEnvironment());
            var vulkanDevice = VulkanDevices.PickBest(listing.Devices, allowSoftware: true, VulkanDevices.DeviceFilterFromEnvironment());

            Console.WriteLine("backend cpu");
            Console.WriteLine($"  {cpu.DeviceName}");
            Console.WriteLine("backend vulkan");
            if (!listing.IsAvailable)
                Console.WriteLine($"  not available: {listing.UnavailableReason}");
            foreach (var d in listing.Devices)
            {
                var l = d.Limits;
                Console.WriteLine($"  [{d.Index}] {d.Name} ({d.TypeName}), Vulkan {d.ApiVersion}, {d.DeviceLocalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB device-local"
                                  + (d.IsUsable ? "" : $" - unusable: {d.UnusableReason}"));
                Console.WriteLine($"      maxStorageBufferRange {l.MaxStorageBufferRange}, maxComputeWorkGroupCount {l.MaxComputeWorkGroupCountX}x{l.MaxComputeWorkGroupCountY}x{l.MaxComputeWorkGroupCountZ}, "
                                  + $"shared memory {l.MaxComputeSharedMemorySize} B, subgroup {l.SubgroupSize}");
            }
            string auto = autoDevice is not null ? $"vulkan: {autoDevice}"
                : $"cpu ({(listing.IsAvailable ? "no real GPU; software drivers are never picked" : "no Vulkan driver")})";
            Console.WriteLine($"auto picks: {auto}");
            if (vulkanDevice is not null) Console.WriteLine($"--backend vulkan picks: {vulkanDevice}");

            if (parse.GetValue(json) is { } jsonFile)
            {
                var data = new JsonObject
                {
                    ["version"] = Core.BuildInfo.Version,
                    ["native"] = new JsonArray([.. requirements.Select(r => new JsonObject { ["name"] = r.Name, ["found"] = r.Found, ["detail"] = r.Detail })]),
                    ["cpu"] = new JsonObject { ["device"] = cpu.DeviceName, ["threads"] = cpu.MaxDegreeOfParallelism },
                    ["vulkan"] = new JsonObject
                    {
                        ["available"] = listing.IsAvailable,
                        ["reason"] = listing.UnavailableReason,
                        ["devices"] = new JsonArray([.. listing.Devices.Select(d => new JsonObject
                        {
                            ["index"] = d.Index, ["name"] = d.Name, ["type"] = d.TypeName, ["software"] = d.IsSoftware, ["usable"] = d.IsUsable,
                            ["device_local_bytes"] = d.DeviceLocalMemoryBytes, ["api"] = d.ApiVersion,
                            ["max_storage_buffer_range"] = d.Limits.MaxStorageBufferRange,
                            ["max_workgroup_count"] = new JsonArray(d.Limits.MaxComputeWorkGroupCountX, d.Limits.MaxComputeWorkGroupCountY, d.Limits.MaxComputeWorkGroupCountZ),
                            ["shared_memory_bytes"] = d.Limits.MaxComputeSharedMemorySize, ["subgroup_size"] = d.Limits.SubgroupSize,
                        })]),
                    },
                    ["auto"] = autoDevice is null ? "cpu" : $"vulkan:{autoDevice.Name}",
                };
                AtomicFileWriter.WriteAllText(jsonFile.FullName, CliJson.Write(data));
            }
            return 0;
        }));
        return command;
    }
}
