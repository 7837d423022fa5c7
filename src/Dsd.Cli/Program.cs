return Dsd.Cli.Commands.DsdProgram.Run(args);
