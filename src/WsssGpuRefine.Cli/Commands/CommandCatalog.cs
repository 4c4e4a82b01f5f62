using System.CommandLine;
using System.Reflection;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>A <c>wsss</c> subcommand; every implementation in this assembly is registered, so adding one edits no list.</summary>
internal interface ICliCommand
{
    Command Build();
}

internal static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
        typeof(CommandCatalog).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
}
