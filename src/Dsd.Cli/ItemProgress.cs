using Spectre.Console;

namespace Dsd.Cli;

/// <summary>A progress bar with ETA on stderr for work over many items; silent when stderr is not a terminal.</summary>
internal static class ItemProgress
{
    public static void Run(int total, Action<Action<string>> work, string label = "scoring")
    {
        if (total <= 1 || Console.IsErrorRedirected)
        {
            work(_ => { });
            return;
        }
        CliRunner.Stderr.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(label, maxValue: total);
                work(item =>
                {
                    task.Description = Markup.Escape(Path.GetFileName(item));
                    task.Increment(1);
                });
            });
    }
}
