using Dsd.Weights;
using Spectre.Console;

namespace Dsd.Cli;

/// <summary>Shows a library download's <see cref="DownloadProgress"/> as a Spectre.Console progress bar on stderr.</summary>
internal static class DownloadProgressBar
{
    /// <summary>
    /// Runs <paramref name="body"/> with a progress sink that drives the bar and a token that Ctrl+C cancels, so that
    /// an interrupted download still deletes its temp file (the default Ctrl+C would kill the process outright).
    /// </summary>
    public static T Run<T>(string description, Func<IProgress<DownloadProgress>, CancellationToken, T> body)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try { return Show(description, progress => body(progress, cancel.Token)); }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    static T Show<T>(string description, Func<IProgress<DownloadProgress>, T> body)
    {
        T result = default!;
        CliRunner.Stderr.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), autoStart: true, maxValue: 1);
                task.IsIndeterminate = true;
                result = body(new Sink(task));
                task.StopTask();
            });
        return result;
    }

    // Reports arrive on thread-pool threads; ProgressTask updates are thread-safe.
    sealed class Sink(ProgressTask task) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            if (value.TotalBytes is { } total && total > 0)
            {
                task.IsIndeterminate = false;
                task.MaxValue = total;
            }
            task.Value = value.BytesReceived;
        }
    }
}
