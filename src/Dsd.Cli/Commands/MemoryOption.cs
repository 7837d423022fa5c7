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

    /// <summary>The smallest budget accepted: the smallest tile of VGG features needs about 6 MiB, so below it every image would fail.</summary>
    public static readonly MemoryBudget Least = new(8L << 20);

    public static Option<string> Create()
    {
        var option = new Option<string>(Name)
        {
            Description = $"Memory for activations, e.g. 8G, 512M or 25% (of this machine); larger images run tile by tile with the same result. "
                + $"Default {MemoryBudget.DefaultFraction:P0} of the machine ({MemoryBudget.OfMachine(MemoryBudget.DefaultFraction)}); "
                + $"between {Least} and the machine's {MemoryBudget.OfMachine(1)}",
            HelpName = "SIZE",
        };
        // Checked while parsing, so that a malformed or impossible size is a usage error before any work starts.
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            try { Check(MemoryBudget.Parse(r.Tokens[^1].Value, Name), r.Tokens[^1].Value); }
            catch (DsdException e) { r.AddError(e.Message); }
        });
        return option;
    }

    /// <summary>
    /// A budget above the machine's memory would let a computation be killed by the kernel instead of tiled; one below
    /// <see cref="Least"/> fits no tile at all.
    /// </summary>
    static void Check(MemoryBudget budget, string typed)
    {
        var machine = MemoryBudget.OfMachine(1);
        if (budget.Bytes < Least.Bytes || budget.Bytes > machine.Bytes)
            throw new DsdException(DsdErrorKind.Usage, $"{Name} must be between {Least} and {machine} (this machine's memory), got {typed}");
    }

    /// <summary>Sets <see cref="MemoryBudget.Default"/> from the command's --max-memory, when given.</summary>
    public static void Apply(ParseResult parse)
    {
        var option = parse.CommandResult.Command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == Name);
        if (option is not null && parse.GetValue(option) is { } text) MemoryBudget.Default = MemoryBudget.Parse(text, Name);
    }
}
