using Spectre.Console;

namespace Dsd.Cli;

/// <summary>Runs a command body and turns library errors into one-line messages and exit codes.</summary>
internal static class CliRunner
{
    /// <summary>Exit codes: 0 ok, 1 usage/other error, 2 invalid input, 3 weights problem, 4 numerical failure, 5 I/O.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (DsdException e)
        {
            Error(e.Message);
            return e.Kind switch
            {
                DsdErrorKind.InvalidInput => 2,
                DsdErrorKind.Weights => 3,
                DsdErrorKind.Numerical => 4,
                DsdErrorKind.Io => 5,
                _ => 1,
            };
        }
        catch (OperationCanceledException)
        {
            Error("cancelled");
            return 130;
        }
        catch (IOException e)
        {
            Error(e.Message);
            return 5;
        }
        catch (UnauthorizedAccessException e)
        {
            Error(e.Message);
            return 5;
        }
    }

    /// <summary>Spectre console on the current stderr (progress bars); created per use so redirection is honoured.</summary>
    public static IAnsiConsole Stderr => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Spectre console on the current stdout (tables).</summary>
    public static IAnsiConsole Stdout => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    public static void Error(string message) => Console.Error.WriteLine($"dsd: error: {message}");

    public static void Warn(string message) => Console.Error.WriteLine($"dsd: warning: {message}");

    public static void Info(string message) => Console.Error.WriteLine($"dsd: {message}");
}
