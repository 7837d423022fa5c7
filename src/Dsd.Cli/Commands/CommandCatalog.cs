using System.CommandLine;

namespace Dsd.Cli.Commands;

/// <summary>Every top-level command of the dsd tool, in the order --help lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return ScoreCommand.Create();
        yield return MetricsCommand.Create();
        yield return MergeCommand.Create();
        yield return FingerprintCommand.Create();
        yield return VisualizeCommand.Create();
        yield return ReportCommand.Create();
        yield return MatchCommand.Create();
        yield return MinimizeCommand.Create();
        yield return CompareLossesCommand.Create();
        yield return RestoreCommand.Create();
        yield return TrainCommand.Create();
        yield return WeightsCommand.Create();
    }
}
