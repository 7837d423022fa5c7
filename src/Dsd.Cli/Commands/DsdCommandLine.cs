using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;
using Dsd.Imaging;

namespace Dsd.Cli.Commands;

/// <summary>
/// The root command: every subcommand plus the options that apply to all of them (<c>--max-pixels</c>,
/// <c>--threads</c>, <c>--verbose</c>), the exit-code table in <c>--help</c>, and the one catch-all that keeps stack traces from users.
/// </summary>
internal static class DsdCommandLine
{
    /// <summary>The most <c>--threads</c> accepted: four per core of this machine.</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    public static RootCommand Create()
    {
        var root = new RootCommand("dsd: Deep Self-Dissimilarity (DSD) image fingerprints, quality scores and restoration tools.");
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        var maxPixels = new Option<long>("--max-pixels")
        {
            Description = $"Refuse images larger than this many pixels (width × height), checked from the header before decoding; "
                + $"default {ImageLimits.DefaultMaxPixels.ToString("N0", CultureInfo.InvariantCulture)} ({ImageLimits.Describe(ImageLimits.DefaultMaxPixels)}), "
                + $"at most {ImageLimits.SupportedMaxPixels.ToString("N0", CultureInfo.InvariantCulture)}",
            DefaultValueFactory = _ => ImageLimits.DefaultMaxPixels,
            HelpName = "N",
            Recursive = true,
        };
        maxPixels.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() is < 1 or > ImageLimits.SupportedMaxPixels)
                r.AddError($"--max-pixels must be between 1 and {ImageLimits.SupportedMaxPixels}");
        });
        var verbose = new Option<bool>("--verbose") { Description = "Print the stack trace of an internal error (for a bug report)", Recursive = true };
        var threads = new Option<int?>("--threads")
        {
            Description = "CPU threads for the tensor computations (default: TorchSharp's, the core count); training is reproducible for a fixed count",
            HelpName = "N",
            Recursive = true,
        };
        threads.Validators.Add(r =>
        {
            // Each thread is an OS thread of libtorch's pool: --threads 100000 once exhausted the machine's process
            // table. More threads than a few per core never helps, so more are refused before any is made.
            var most = MaxThreads;
            if (r.GetValueOrDefault<int?>() is { } n && (n < 1 || n > most))
                r.AddError($"--threads must be between 1 and {most} (4 × the {Environment.ProcessorCount} cores here)");
        });
        root.Options.Add(maxPixels);
        root.Options.Add(threads);
        root.Options.Add(verbose);
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExitCodes((SynchronousCommandLineAction)help.Action!);
        return root;
    }

    /// <summary>Parses, applies the process-wide options, and runs the command; nothing but one line reaches the user on a bug.</summary>
    public static int Run(string[] args, InvocationConfiguration configuration)
    {
        try
        {
            var parse = Create().Parse(args);
            if (parse.Errors.Count == 0)
            {
                CliRunner.Verbose = parse.GetValue<bool>("--verbose");
                ImageLimits.MaxPixels = parse.GetValue<long>("--max-pixels");
                if (parse.GetValue<int?>("--threads") is { } n) TorchSharp.torch.set_num_threads(n);
            }
            configuration.EnableDefaultExceptionHandler = false;
            return parse.Invoke(configuration);
        }
        catch (Exception e)
        {
            return CliRunner.Internal(e);
        }
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
