namespace WsssGpuRefine.Core;

/// <summary>The one-line error texts shared by the CLI (<c>error: LINE</c>) and the C ABI of the Python package.</summary>
public static class ErrorLines
{
    /// <summary>An option or argument validation failure as one line: "Beta: must be positive and finite (got -3)".</summary>
    /// <param name="a">The failure; its parameter name prefixes the message unless the message already names it.</param>
    /// <param name="option">When set, the command-line option the value came from ("--crf"): it prefixes the message
    /// (unless the message starts with it) instead of the engine's parameter name.</param>
    /// <returns>The message's first line without .NET's " (Parameter 'x')" suffix.</returns>
    public static string OneLine(ArgumentException a, string? option = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        string message = a.Message.Split('\n')[0];
        if (a.ParamName is { } name)
        {
            message = message.Replace($" (Parameter '{name}')", "");
            if (option is null && !message.StartsWith("--", StringComparison.Ordinal) && !message.Contains(name, StringComparison.OrdinalIgnoreCase))
                message = $"{name}: {message}";
        }
        if (option is not null && !message.StartsWith(option, StringComparison.Ordinal)) message = $"{option}: {message}";
        if (a is ArgumentOutOfRangeException { ActualValue: { } actual }) message += $" (got {actual})";
        return message;
    }
}
