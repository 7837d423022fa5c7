using Dsd.Weights;
using Spectre.Console;

namespace Dsd.Cli;

/// <summary>
/// Every progress display of the CLI, on stderr: one Spectre.Console bar (description, bar, percentage, ETA) for items,
/// optimisation steps and downloads. On a redirected stderr (logs, pipes) items are silent, steps print a line at every
/// tenth of the run, and a download still shows its bar (Spectre writes it once, at the end).
/// </summary>
internal static class ProgressBar
{
    /// <summary>Work over <paramref name="total"/> items; <c>advance(item)</c> names the one just done.</summary>
    public static void Items(int total, Action<Action<string>> work, string label = "scoring")
    {
        if (total <= 1 || Console.IsErrorRedirected)
        {
            work(_ => { });
            return;
        }
        Show(label, total, Justify.Right, [], [new SpinnerColumn()], task =>
        {
            work(item =>
            {
                task.Description = Markup.Escape(Path.GetFileName(item));
                task.Increment(1);
            });
            return 0;
        });
    }

    /// <summary>Reports that <c>done</c> of the steps are finished, with a short status ("loss 0.0123").</summary>
    public delegate void StepReport(long done, string status);

    /// <summary>An optimisation of <paramref name="total"/> steps, with the current status beside the bar.</summary>
    public static T Steps<T>(string label, long total, Func<StepReport, T> work)
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
        return Show(label, total, Justify.Left, [], [new SpinnerColumn()], task => work((done, status) =>
        {
            task.Value = done;
            task.Description = Markup.Escape($"{label}  {status}");
        }));
    }

    /// <summary>
    /// A library download: <paramref name="body"/> gets a progress sink that drives the bar and a token that Ctrl+C
    /// cancels, so that an interrupted download still deletes its temp file (the default Ctrl+C would kill the process).
    /// </summary>
    public static T Download<T>(string description, Func<IProgress<DownloadProgress>, CancellationToken, T> body)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            return Show(description, 1, Justify.Right, [new DownloadedColumn(), new TransferSpeedColumn()], [], task =>
            {
                task.IsIndeterminate = true;
                var result = body(new DownloadSink(task), cancel.Token);
                task.StopTask();
                return result;
            });
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    /// <summary>The one bar: description, bar, percentage, <paramref name="beforeTime"/>, the remaining time, <paramref name="afterTime"/>.</summary>
    static T Show<T>(string description, double total, Justify align, ProgressColumn[] beforeTime, ProgressColumn[] afterTime, Func<ProgressTask, T> body)
    {
        T result = default!;
        CliRunner.Stderr.Progress()
            .AutoClear(false)
            .Columns([new TaskDescriptionColumn { Alignment = align }, new ProgressBarColumn(), new PercentageColumn(), .. beforeTime, new RemainingTimeColumn(), .. afterTime])
            .Start(ctx => result = body(ctx.AddTask(Markup.Escape(description), maxValue: total)));
        return result;
    }

    // Reports arrive on thread-pool threads; ProgressTask updates are thread-safe.
    sealed class DownloadSink(ProgressTask task) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            if (value.TotalBytes is { } bytes && bytes > 0)
            {
                task.IsIndeterminate = false;
                task.MaxValue = bytes;
            }
            task.Value = value.BytesReceived;
        }
    }
}
