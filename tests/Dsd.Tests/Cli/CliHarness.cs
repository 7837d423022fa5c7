using System.CommandLine;
using Dsd.Cli.Commands;
using Dsd.Cli;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>Runs the dsd command line in-process, capturing stdout and stderr. Console is process-wide, hence the collection.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliHarness
{
    public const string Name = "cli";

    static readonly object Gate = new();

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                var code = DsdCommandLine.Run(args, new InvocationConfiguration { Output = stdout, Error = stderr });
                return (code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    /// <summary>The committed golden VGG weights (seeded random init, keys vgg19/features.N.*).</summary>
    public static string GoldenWeights => Path.Combine(TestPaths.GoldenRandom, "golden-weights.safetensors");
}
