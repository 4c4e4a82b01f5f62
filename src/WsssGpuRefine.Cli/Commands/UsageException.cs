namespace WsssGpuRefine.Cli.Commands;

/// <summary>
/// A command line that cannot run as given (a malformed option value, two options that exclude each other, a stage
/// missing): <see cref="CliRunner"/> prints its one line and exits with <see cref="CliRunner.Usage"/> (2), the code of
/// the parser's own usage errors, before anything is read or written. Data errors keep <see cref="CliRunner.Failed"/> (1).
/// </summary>
internal sealed class UsageException(string message, Exception? inner = null) : ArgumentException(message, inner);
