using System.CommandLine;
using System.CommandLine.Parsing;

namespace Dsd.Cli;

/// <summary>
/// Turns the parser's errors into the one line every usage mistake gets: <c>dsd: error: WHAT (did you mean …?); see
/// 'dsd CMD --help'</c> on stderr, exit 1, nothing on stdout (the data stream). The first mistake is the one reported:
/// a misspelled option also leaves its value unmatched and a required option missing, which would only repeat it.
/// </summary>
internal static class UsageError
{
    /// <summary>The one-line description of the first mistake in <paramref name="parse"/> (which has errors).</summary>
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        return $"{FirstMistake(parse, command)}; {HelpPointer(command)}";
    }

    /// <summary>
    /// A mistake the parser lets through, or null: an unknown <c>--option</c> taken as a file name by a command whose
    /// arguments take any number of files (<c>dsd merge --thread 2 a.json</c>). A file whose name starts with a dash
    /// goes after <c>--</c>.
    /// </summary>
    public static string? OptionTakenAsFile(ParseResult parse)
    {
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) return null;
            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-' && !double.TryParse(token.Value, out _)
                && parse.CommandResult.Children.OfType<ArgumentResult>().Any(a => a.Tokens.Contains(token)))
                return $"unknown option '{token.Value}'{Suggest(token.Value, OptionNames(parse.CommandResult.Command))} "
                    + $"(a file whose name starts with '-' goes after --); {HelpPointer(parse.CommandResult.Command)}";
        }
        return null;
    }

    /// <summary>"see 'dsd score --help'" for the command a mistake was made in.</summary>
    public static string HelpPointer(Command command) => $"see '{Path(command)} --help'";

    static string FirstMistake(ParseResult parse, Command command)
    {
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-')) return $"unknown option '{token}'{Suggest(token, OptionNames(command))}";
            if (command.Subcommands.Count > 0 && !command.Subcommands.Any(c => parse.GetResult(c) is not null))
                return $"unknown command '{token}'{Suggest(token, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";
            return $"unexpected argument '{token}'" + (command.Arguments.Count == 0 ? $" ({Path(command)} takes options only)" : "");
        }
        if (command.Options.FirstOrDefault(o => o.Required && parse.GetResult(o) is not { Tokens.Count: > 0 }) is { } missing)
            return $"missing {missing.Name} <{missing.HelpName ?? "VALUE"}>: {missing.Description}";
        var error = parse.Errors[0];
        if (command.Subcommands.Count > 0 && command.Action is null && parse.Errors.All(e => e.SymbolResult is CommandResult))
            return $"no command given: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}";
        return NotANumber(error) ?? OneLine(error.Message).TrimEnd('.');
    }

    /// <summary>The parser's message on one line (it lists allowed values one per line, tab-indented).</summary>
    static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));

    /// <summary>"--threads: 'abc' is not a whole number" for a value the parser could not convert, else null.</summary>
    static string? NotANumber(ParseError error)
    {
        var option = error.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is null || option.Tokens.Count == 0) return null;
        var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
        var value = option.Tokens[^1].Value;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        // A value that converts broke a bound instead; the validator's message says which.
        var kind = type == typeof(int) ? (int.TryParse(value, invariant, out _) ? null : "a whole number")
            : type == typeof(long) ? (long.TryParse(value, invariant, out _) ? null : "a whole number")
            : type == typeof(double) ? (double.TryParse(value, invariant, out _) ? null : "a number")
            : type == typeof(bool) ? (bool.TryParse(value, out _) ? null : "true or false") : null;
        return kind is null ? null : $"{option.Option.Name}: '{value}' is not {kind}";
    }

    /// <summary>The long names of the options a command takes, its own and those its parents pass down.</summary>
    static IEnumerable<string> OptionNames(Command command)
    {
        var names = command.Options.Where(o => !o.Hidden).Select(o => o.Name).ToList();
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            names.AddRange(parent.Options.Where(o => o.Recursive && !o.Hidden).Select(o => o.Name));
        return names.Where(n => n.StartsWith("--", StringComparison.Ordinal)).Distinct();
    }

    /// <summary>
    /// " (did you mean '--dist'?)" by edit distance; a single letter (<c>-v</c>) is matched to the long names that start
    /// with it, since one letter is close to every other.
    /// </summary>
    static string Suggest(string typed, IEnumerable<string> known)
    {
        var names = known.ToList();
        if (typed.Length == 2 && typed[0] == '-' && char.IsLetter(typed[1]))
        {
            var starting = names.Where(n => n.StartsWith("--" + typed[1], StringComparison.Ordinal)).ToList();
            return starting.Count == 0 ? "" : $" (did you mean {string.Join(" or ", starting.Select(n => $"'{n}'"))}?)";
        }
        return NameSuggestions.Hint(typed.Split('=', 2)[0], names);
    }

    /// <summary>"dsd train sr" for the command <c>sr</c> under <c>train</c>.</summary>
    static string Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c; s = c.Parents.FirstOrDefault())
            names.Insert(0, c is RootCommand ? "dsd" : c.Name);
        return string.Join(" ", names);
    }
}
