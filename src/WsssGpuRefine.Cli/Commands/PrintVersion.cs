using System.CommandLine;
using System.CommandLine.Invocation;

namespace WsssGpuRefine.Cli.Commands;

/// <summary><c>wsss --version</c>: one line, <see cref="Core.BuildInfo.Version"/> ("0.1.0+COMMIT", "+unknown" when built outside git).</summary>
internal sealed class PrintVersion : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Core.BuildInfo.Version);
        return 0;
    }
}
