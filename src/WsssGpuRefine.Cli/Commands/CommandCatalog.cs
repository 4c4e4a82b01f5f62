using System.CommandLine;
using System.Diagnostics.CodeAnalysis;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>A <c>wsss</c> subcommand; every implementation in this assembly is registered, so adding one edits no list.</summary>
internal interface ICliCommand
{
    Command Build();
}

internal static class CommandCatalog
{
    // The trimmer cannot see which types GetTypes returns; the csproj roots this whole assembly
    // (TrimmerRootAssembly), so in a NativeAOT build every command type and its constructor is kept and listed.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "wsss is a TrimmerRootAssembly: all its types are kept.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "wsss is a TrimmerRootAssembly: all its constructors are kept.")]
    public static IEnumerable<Command> All() =>
        typeof(CommandCatalog).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
}
