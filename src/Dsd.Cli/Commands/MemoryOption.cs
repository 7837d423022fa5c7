using System.CommandLine;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>--max-memory SIZE</c>: the memory budget for activations (<see cref="MemoryBudget"/>). Larger images are
/// computed tile by tile (same numbers), all-pairs metrics that would exceed it are refused up front.
/// Usage: add <c>MemoryOption.Create()</c> to a command and call <c>MemoryOption.Apply(parse)</c> first in its action.
/// The pixel limit is the root option <c>--max-pixels</c> (<see cref="Imaging.ImageLimits"/>).
/// </summary>
internal static class MemoryOption
{
    public const string Name = "--max-memory";

    public static Option<string> Create() => new(Name)
    {
        Description = $"Memory for activations, e.g. 8G, 512M or 25% (of this machine); larger images run tile by tile with the same result. "
            + $"Default {MemoryBudget.DefaultFraction:P0} of the machine ({MemoryBudget.OfMachine(MemoryBudget.DefaultFraction)})",
        HelpName = "SIZE",
    };

    /// <summary>Sets <see cref="MemoryBudget.Default"/> from the command's --max-memory, when given.</summary>
    public static void Apply(ParseResult parse)
    {
        var option = parse.CommandResult.Command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == Name);
        if (option is not null && parse.GetValue(option) is { } text) MemoryBudget.Default = MemoryBudget.Parse(text, Name);
    }
}
