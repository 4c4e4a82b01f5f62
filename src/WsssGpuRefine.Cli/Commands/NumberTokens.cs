using System.CommandLine;
using System.Globalization;

namespace WsssGpuRefine.Cli.Commands;

/// <summary>
/// Every numeric option takes plain invariant numbers only. The parser's invariant number styles allow thousands
/// separators, so "--threshold 0,15" (a decimal comma) would silently read as 15; such a token is a usage error here.
/// </summary>
internal static class NumberTokens
{
    private static readonly HashSet<Type> Numeric =
    [
        typeof(double), typeof(float), typeof(int), typeof(long), typeof(double?), typeof(float?), typeof(int?), typeof(long?),
    ];

    /// <summary>Adds the check to every numeric option of <paramref name="command"/> and its subcommands.</summary>
    public static void Guard(Command command)
    {
        foreach (var option in command.Options)
        {
            if (!Numeric.Contains(option.ValueType)) continue;
            option.Validators.Add(result =>
            {
                foreach (var token in result.Tokens)
                    if (!IsPlainNumber(token.Value))
                    {
                        result.AddError($"{option.Name}: '{token.Value}' is not a plain number (digits, '.', an exponent; no ',' separators)");
                        return;
                    }
            });
        }
        foreach (var sub in command.Subcommands) Guard(sub);
    }

    /// <summary>True for what double.Parse takes with <see cref="NumberStyles.Float"/> in the invariant culture (NaN and infinities included).</summary>
    internal static bool IsPlainNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
