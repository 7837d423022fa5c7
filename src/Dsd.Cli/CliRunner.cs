using Spectre.Console;

namespace Dsd.Cli;

/// <summary>Runs a command body and turns library errors into one-line messages and exit codes.</summary>
internal static class CliRunner
{
    public const int Ok = 0;
    public const int Usage = 1;
    public const int InputsFailed = 2;
    public const int WeightsProblem = 3;
    public const int NumericalFailure = 4;
    public const int CannotWrite = 5;
    public const int InternalError = 6;
    public const int Interrupted = 130;

    /// <summary>The exit-code table every command follows; the root <c>--help</c> prints it.</summary>
    public static readonly IReadOnlyList<(int Code, string Meaning)> ExitCodes =
    [
        (Ok, "success"),
        (Usage, "usage error (unknown option, missing or invalid value)"),
        (InputsFailed, "some inputs failed (missing, unreadable, corrupt, truncated or too large image; size mismatch); the others were processed and written"),
        (WeightsProblem, "weights problem (missing, malformed, wrong shape, NaN/Inf, failed checksum)"),
        (NumericalFailure, "numerical failure (NaN or infinity in a result)"),
        (CannotWrite, "cannot write output (disk full, permissions)"),
        (InternalError, "internal error (a bug: please report it; --verbose shows the stack trace)"),
        (Interrupted, "interrupted (Ctrl+C or SIGTERM)"),
    ];

    /// <summary>Set from the root <c>--verbose</c>: internal errors print their stack trace.</summary>
    public static bool Verbose { get; set; }

    /// <summary>"see 'dsd score --help'" for the command being run: the end of every usage error.</summary>
    public static string HelpPointer { get; set; } = "see 'dsd --help'";

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (DsdException e) when (e.Kind == DsdErrorKind.Usage)
        {
            Error($"{e.Message}; {HelpPointer}");
            return Usage;
        }
        catch (DsdException e)
        {
            Error(e.Message);
            return ExitCode(e.Kind);
        }
        catch (OperationCanceledException)
        {
            Error("cancelled");
            return Interrupted;
        }
        catch (IOException e)
        {
            Error(e.Message);
            return CannotWrite;
        }
        catch (UnauthorizedAccessException e)
        {
            Error(e.Message);
            return CannotWrite;
        }
        catch (Exception e)
        {
            return Internal(e);
        }
    }

    public static int ExitCode(DsdErrorKind kind) => kind switch
    {
        DsdErrorKind.InvalidInput => InputsFailed,
        DsdErrorKind.Weights => WeightsProblem,
        DsdErrorKind.Numerical => NumericalFailure,
        DsdErrorKind.Io => CannotWrite,
        _ => Usage,
    };

    /// <summary>An exception nobody expected: one line and a request to report it; the stack trace only with --verbose.</summary>
    public static int Internal(Exception e)
    {
        var firstLine = e.Message.Split('\n', 2)[0].Trim();
        Error($"internal error: {e.GetType().Name}: {firstLine} (this is a bug in dsd: please report it with the command you ran"
            + (Verbose ? ")" : "; --verbose shows the stack trace)"));
        if (Verbose) Console.Error.WriteLine(e.ToString());
        return InternalError;
    }

    /// <summary>Spectre console on the current stderr (progress bars); created per use so redirection is honoured.</summary>
    public static IAnsiConsole Stderr => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Spectre console on the current stdout (tables); see <see cref="Text"/> when it is not a terminal.</summary>
    public static IAnsiConsole Stdout => Console.IsOutputRedirected ? Text(Console.Out) : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    /// <summary>
    /// Tables into a file or a pipe: plain text, and as wide as their content (no terminal to fit), so that a path as
    /// typed stays on one line instead of wrapping at 80 columns.
    /// </summary>
    public static IAnsiConsole Text(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 4096;
        return console;
    }

    public static void Error(string message) => Console.Error.WriteLine($"dsd: error: {message}");

    public static void Warn(string message) => Console.Error.WriteLine($"dsd: warning: {message}");

    public static void Info(string message) => Console.Error.WriteLine($"dsd: {message}");
}
