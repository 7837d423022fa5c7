using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using Dsd.Imaging;

namespace Dsd.Cli.Commands;

/// <summary>
/// The root command: every subcommand plus the process-wide options (<c>--verbose</c> everywhere; <c>--max-pixels</c>
/// and <c>--threads</c> before any command and after those that read images), the exit-code table in <c>--help</c>,
/// one line for every usage mistake, and the one catch-all that keeps stack traces from users.
/// </summary>
internal static class DsdCommandLine
{
    /// <summary>The most <c>--threads</c> accepted: four per core of this machine.</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    /// <summary>Commands that neither read images nor compute tensors: <c>--max-pixels</c> and <c>--threads</c> do not apply.</summary>
    static readonly HashSet<string> WithoutImages = ["merge", "weights"];

    public static RootCommand Create()
    {
        var root = new RootCommand("dsd: Deep Self-Dissimilarity (DSD) image fingerprints, quality scores and restoration tools.");
        foreach (var command in CommandCatalog.All())
        {
            // Given after the command (dsd score … --threads 2), so listed in the --help of the commands they apply to.
            if (!WithoutImages.Contains(command.Name))
            {
                command.Options.Add(MaxPixels(recursive: true));
                command.Options.Add(Threads(recursive: true));
            }
            root.Subcommands.Add(command);
        }
        // Given before the command (dsd --threads 1 train …).
        root.Options.Add(MaxPixels(recursive: false));
        root.Options.Add(Threads(recursive: false));
        root.Options.Add(new Option<bool>("--verbose") { Description = "Print the stack trace of an internal error (for a bug report)", Recursive = true });
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExitCodes((SynchronousCommandLineAction)help.Action!);
        return root;
    }

    static Option<long> MaxPixels(bool recursive) => new Option<long>("--max-pixels")
    {
        Description = $"Refuse images larger than this many pixels (width × height), checked from the header before decoding; "
            + $"default {ImageLimits.DefaultMaxPixels.ToString("N0", CultureInfo.InvariantCulture)} ({ImageLimits.Describe(ImageLimits.DefaultMaxPixels)}), "
            + $"at most {ImageLimits.SupportedMaxPixels.ToString("N0", CultureInfo.InvariantCulture)}",
        DefaultValueFactory = _ => ImageLimits.DefaultMaxPixels,
        HelpName = "N",
        Recursive = recursive,
    }.Within(1, ImageLimits.SupportedMaxPixels);

    // Each thread is an OS thread of libtorch's pool: --threads 100000 once exhausted the machine's process table.
    // More threads than a few per core never helps, so more are refused before any is made.
    static Option<int?> Threads(bool recursive) => new Option<int?>("--threads")
    {
        Description = "CPU threads for the tensor computations (default: TorchSharp's, the core count); training is reproducible for a fixed count",
        HelpName = "N",
        Recursive = recursive,
    }.Within(1, MaxThreads, $"4 × the {Environment.ProcessorCount} cores here");

    /// <summary>
    /// Parses, applies the process-wide options, and runs the command. A usage mistake is one line and exit 1 with
    /// nothing on stdout; nothing but one line reaches the user on a bug.
    /// </summary>
    public static int Run(string[] args, InvocationConfiguration configuration)
    {
        // Set before parsing, so that a bug in parsing itself still shows the trace --verbose promises.
        CliRunner.Verbose = args.Contains("--verbose");
        try
        {
            var parse = Create().Parse(args);
            if (parse.Action is not { ClearsParseErrors: true }
                && (parse.Errors.Count > 0 ? UsageError.Describe(parse) : UsageError.OptionTakenAsFile(parse)) is { } mistake)
            {
                CliRunner.Error(mistake);
                return CliRunner.Usage;
            }
            CliRunner.HelpPointer = UsageError.HelpPointer(parse.CommandResult.Command);
            // The parser runs validators only for options of the command that was invoked, not for those typed before
            // it (dsd --threads 100000 restore …), so the bounds are checked again here, before any thread is made.
            long? pixels = Typed<long>(parse, "--max-pixels", out var p) ? p : null;
            var threads = Typed<int?>(parse, "--threads", out var t) ? t : null;
            if ((OutOfBounds("--max-pixels", pixels, 1, ImageLimits.SupportedMaxPixels, "")
                ?? OutOfBounds("--threads", threads, 1, MaxThreads, $" (4 × the {Environment.ProcessorCount} cores here)")) is { } bound)
            {
                CliRunner.Error($"{bound}; {CliRunner.HelpPointer}");
                return CliRunner.Usage;
            }
            ImageLimits.MaxPixels = pixels ?? ImageLimits.DefaultMaxPixels;
            if (threads is { } n) TorchSharp.torch.set_num_threads(n);
            configuration.EnableDefaultExceptionHandler = false;
            return parse.Invoke(configuration);
        }
        catch (Exception e)
        {
            return CliRunner.Internal(e);
        }
    }

    static string? OutOfBounds<T>(string name, T? value, T least, T most, string why) where T : struct, IComparable<T> =>
        value is { } v && (v.CompareTo(least) < 0 || v.CompareTo(most) > 0)
            ? string.Create(CultureInfo.InvariantCulture, $"{name} must be between {least} and {most}, got {v}{why}")
            : null;

    /// <summary>Whether a process-wide option was typed, on the command or before it, and its value there.</summary>
    static bool Typed<T>(ParseResult parse, string name, out T? value)
    {
        for (var result = (SymbolResult?)parse.CommandResult; result is CommandResult c; result = c.Parent)
            if (c.Command.Options.FirstOrDefault(o => o.Name == name) is Option<T> option && parse.GetResult(option) is { Implicit: false })
            {
                value = parse.GetValue(option);
                return true;
            }
        value = default;
        return false;
    }

    /// <summary>The standard help, followed on the root command by the exit-code table.</summary>
    sealed class HelpWithExitCodes(SynchronousCommandLineAction standard) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = standard.Invoke(parseResult);
            if (parseResult.CommandResult.Command is RootCommand)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Exit codes (every command):");
                foreach (var (c, meaning) in CliRunner.ExitCodes)
                    output.WriteLine($"  {c,3}  {meaning}");
                output.WriteLine();
            }
            return code;
        }
    }
}
