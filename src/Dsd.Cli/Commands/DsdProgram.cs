using System.CommandLine;
using System.Runtime.InteropServices;

namespace Dsd.Cli.Commands;

/// <summary>
/// The dsd process: the handlers a process needs (unhandled exceptions, SIGTERM) around <see cref="DsdCommandLine"/>.
/// Program.cs calls it; so does tests/Dsd.TestHost, which adds its test hooks first.
/// </summary>
public static class DsdProgram
{
    public static int Run(string[] args)
    {
        // A background thread's exception would otherwise end the process with a stack trace.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            CliRunner.Internal(e.ExceptionObject as Exception ?? new InvalidOperationException(e.ExceptionObject?.ToString()));
            Environment.Exit(CliRunner.InternalError);
        };
        // SIGTERM ends any other command as Ctrl+C does, with the table's 130 (the runtime's default would be 143, killed by the signal).
        using var onTerminate = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            // Cancelled in both cases: a training command stops after its step (TrainingInterrupt's own handler), and the
            // runtime must not apply the default action (ending the process with 143) meanwhile.
            context.Cancel = true;
            if (TrainingInterrupt.IsActive) return;
            CliRunner.Error("interrupted (SIGTERM)");
            Environment.Exit(CliRunner.Interrupted);
        });
        // No ProcessTerminationTimeout: the training commands handle Ctrl+C/SIGTERM themselves (TrainingInterrupt) and must
        // not be killed while they save; every other command keeps the default behaviour of ending at once.
        return DsdCommandLine.Run(args, new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
