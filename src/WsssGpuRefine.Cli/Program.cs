using System.CommandLine;
using WsssGpuRefine.Cli.Commands;

var root = new RootCommand("WsssGpuRefine: CAM dumps of WSSS methods -> pseudo labels and scores, on the GPU (Vulkan) or CPU.");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
NumberTokens.Guard(root);
// --version prints "VERSION+COMMIT", the string every --json output and run manifest carries as "version".
root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // One line per problem, as for every other error; the usage stays behind --help.
    foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
    return 2;
}
return parse.Invoke();
