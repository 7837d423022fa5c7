using System.CommandLine;
using Dsd.Quality;
using Dsd.Scoring;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>--shard K/N</c> of <c>dsd score</c>: score only shard K (0-based) of N (<see cref="PairShard"/>). The output's
/// settings record the shard, the rule, the whole plan's size and each row's position in it, which is what
/// <c>dsd merge</c> needs to order the rows as one process would and to find missing pairs.
/// </summary>
internal static class ShardOption
{
    public const string Name = "--shard";

    public static Option<string?> Create() => new(Name)
    {
        Description = "Score only shard K of N (0 ≤ K < N), the pairs whose distorted file name hashes to K (FNV-1a mod N); "
            + "join the JSON outputs with 'dsd merge'. E.g. --shard $JOB_COMPLETION_INDEX/8",
        HelpName = "K/N",
    };

    /// <summary>The command's shard, or null when --shard is absent.</summary>
    public static PairShard? Get(ParseResult parse)
    {
        var option = parse.CommandResult.Command.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == Name);
        return option is not null && parse.GetValue(option) is { } text ? PairShard.Parse(text, Name) : null;
    }

    /// <summary>The settings entry of a shard's output.</summary>
    public static Dictionary<string, object?> Describe(PairShard shard, IEnumerable<int> positions, int pairsTotal) => new()
    {
        [ShardMerge.IndexKey] = shard.Index,
        [ShardMerge.CountKey] = shard.Count,
        [ShardMerge.RuleKey] = PairShard.Rule,
        [ShardMerge.TotalKey] = pairsTotal,
        [ShardMerge.PositionsKey] = positions.ToList(),
    };
}
