using System.CommandLine;
using Dsd.Cli.Commands;

var root = new RootCommand("dsd: Deep Self-Dissimilarity (DSD) image fingerprints, quality scores and restoration tools.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
// No ProcessTerminationTimeout: the training commands handle Ctrl+C/SIGTERM themselves (TrainingInterrupt) and must
// not be killed while they save; every other command keeps the default behaviour of ending at once.
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
