using System.Runtime.InteropServices;

namespace Dsd.Cli;

/// <summary>
/// Turns the first Ctrl+C or SIGTERM during training into a cancellation the trainer answers by finishing its step and
/// saving a checkpoint; a second Ctrl+C ends the process at once. System.CommandLine's own handling is switched off in
/// Program.cs, because it kills the process two seconds after the signal, which can be mid-step or mid-save.
/// </summary>
internal sealed class TrainingInterrupt : IDisposable
{
    readonly CancellationTokenSource cancel = new();
    readonly ConsoleCancelEventHandler onCancelKey;
    readonly PosixSignalRegistration? onTerminate;

    readonly string saving;

    static int active;

    /// <summary>Whether a command is answering SIGTERM itself (Program.cs leaves the signal to it).</summary>
    public static bool IsActive => Volatile.Read(ref active) > 0;

    /// <param name="saving">What the program does before it stops, for the notice ("saving a checkpoint").</param>
    public TrainingInterrupt(string saving = "saving a checkpoint")
    {
        this.saving = saving;
        Interlocked.Increment(ref active);
        onCancelKey = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            Stop("Ctrl+C again to quit without saving");
        };
        Console.CancelKeyPress += onCancelKey;
        if (!OperatingSystem.IsWindows())
            onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Stop("SIGKILL to quit without saving");
            });
    }

    public CancellationToken Token => cancel.Token;

    void Stop(string howToQuit)
    {
        if (cancel.IsCancellationRequested) return;
        cancel.Cancel();
        CliRunner.Info($"stopping after this step and {saving} ({howToQuit})");
    }

    public void Dispose()
    {
        Interlocked.Decrement(ref active);
        Console.CancelKeyPress -= onCancelKey;
        onTerminate?.Dispose();
        cancel.Dispose();
    }
}
