using Spectre.Console;

namespace Dsd.Cli;

/// <summary>
/// Progress of an optimisation on stderr: a bar with the current loss and ETA on a terminal, else (logs, pipes) a
/// line at every tenth of the run, so a redirected long run still shows where it is.
/// </summary>
internal static class StepProgress
{
    /// <summary>Reports that <c>done</c> of <paramref name="total"/> steps are finished, with a short status ("loss 0.0123").</summary>
    public delegate void Report(long done, string status);

    public static T Run<T>(string label, long total, Func<Report, T> work)
    {
        if (Console.IsErrorRedirected)
        {
            var every = Math.Max(1, total / 10);
            var next = every;
            return work((done, status) =>
            {
                if (done < next && done != total) return;
                next = (done / every + 1) * every;
                CliRunner.Info($"{label}: {done}/{total}  {status}");
            });
        }
        return CliRunner.Stderr.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: total);
                return work((done, status) =>
                {
                    task.Value = done;
                    task.Description = Markup.Escape($"{label}  {status}");
                });
            });
    }
}
