using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Dsd.Cli.Commands;

/// <summary>
/// Bounds for the numbers a user types that size work or memory (threads, crops, batches, tiles, steps): a value
/// outside them is a usage error (exit 1) before anything is allocated, never a runaway. A value that is not a number
/// at all is left to the parser, which reports it (<see cref="UsageError"/>).
/// </summary>
internal static class OptionBounds
{
    /// <summary>Refuses values of <paramref name="option"/> outside [<paramref name="least"/>, <paramref name="most"/>].</summary>
    public static Option<T> Within<T>(this Option<T> option, T least, T most, string why = "") where T : struct, INumber<T>
    {
        option.Validators.Add(r =>
        {
            if (Given<T>(r) is { } n && (n < least || n > most)) r.AddError(Message(option.Name, least, most, n, why));
        });
        return option;
    }

    /// <summary>The same for an optional number.</summary>
    public static Option<T?> Within<T>(this Option<T?> option, T least, T most, string why = "") where T : struct, INumber<T>
    {
        option.Validators.Add(r =>
        {
            if (Given<T>(r) is { } n && (n < least || n > most)) r.AddError(Message(option.Name, least, most, n, why));
        });
        return option;
    }

    /// <summary>The typed value, or null when the token does not convert (the parser reports that) or none was typed.</summary>
    static T? Given<T>(System.CommandLine.Parsing.OptionResult r) where T : struct, INumber<T>
    {
        if (r.Implicit || r.Tokens.Count == 0) return null;
        var styles = T.IsInteger(T.One) ? NumberStyles.Integer : NumberStyles.Float;
        return T.TryParse(r.Tokens[^1].Value, styles, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    static string Message<T>(string name, T least, T most, T got, string why) where T : INumber<T> =>
        $"{name} must be between {Show(least)} and {Show(most)}, got {Show(got)}{(why.Length > 0 ? $" ({why})" : "")}";

    static string Show<T>(T n) where T : INumber<T> => n.ToString(null, CultureInfo.InvariantCulture);
}
