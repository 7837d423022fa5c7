using System.CommandLine;
using Dsd.Cli;

// A background thread's exception would otherwise end the process with a stack trace.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    CliRunner.Internal(e.ExceptionObject as Exception ?? new InvalidOperationException(e.ExceptionObject?.ToString()));
    Environment.Exit(CliRunner.InternalError);
};
// No ProcessTerminationTimeout: the training commands handle Ctrl+C/SIGTERM themselves (TrainingInterrupt) and must
// not be killed while they save; every other command keeps the default behaviour of ending at once.
return DsdCommandLine.Run(args, new InvocationConfiguration { ProcessTerminationTimeout = null });
