using System.CommandLine;
using Dsd.Cli.Commands;

var root = new RootCommand("dsd: Deep Self-Dissimilarity (DSD) image fingerprints, quality scores and restoration tools.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return root.Parse(args).Invoke();
