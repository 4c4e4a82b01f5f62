using System.CommandLine;
using WsssGpuRefine.Cli.Commands;

var root = new RootCommand("WsssGpuRefine: CAM dumps of WSSS methods -> pseudo labels and scores, on the GPU (Vulkan) or CPU.");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return root.Parse(args).Invoke();
