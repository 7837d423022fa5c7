using System.CommandLine;
using Dsd.Cli.Commands;
using Dsd.Networks;
using Dsd.NoReference;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>Options several commands share are defined once: --strict by CommonOptions, psi's α set by NoReferenceRegressor.Alphas.</summary>
[Collection(CliHarness.Name)]
public class SharedOptionTests
{
    static IEnumerable<Command> Commands(Command command) => command.Subcommands.SelectMany(Commands).Prepend(command);

    [Fact]
    public void EveryStrictOptionSaysTheSameThingInTheSameWords()
    {
        var stricts = Commands(DsdCommandLine.Create()).SelectMany(c => c.Options.Where(o => o.Name == "--strict").Select(o => (c.Name, o.Description))).ToList();
        Assert.True(stricts.Count >= 6, $"only {stricts.Count} commands have --strict");
        foreach (var (command, description) in stricts)
            Assert.Matches(@"^Stop at the first (image|pair) that cannot be [a-z]+ \(default: report it, [a-z ]+, exit 2\)$", description);
    }

    [Fact]
    public void ThePsiAlphaSetIsTheShippedOne()
    {
        var shipped = Directory.GetFiles(ShippedRegressors.Folder, "psi-alpha*.safetensors")
            .Select(p => int.Parse(Path.GetFileNameWithoutExtension(p)["psi-alpha".Length..], System.Globalization.CultureInfo.InvariantCulture)).Order();
        Assert.Equal(NoReferenceRegressor.Alphas, shipped);
    }

    [Theory]
    [InlineData("score", "--metrics", "noref-dsd")]
    [InlineData("train", "regressor")]
    [InlineData("train", "calibration")]
    public void EveryPsiCommandAcceptsExactlyThePsiAlphas(params string[] command)
    {
        var root = DsdCommandLine.Create();
        foreach (var alpha in Enumerable.Range(1, 8))
        {
            var errors = root.Parse([.. command, "--alpha", $"{alpha}"]).Errors.Where(e => e.Message.Contains($"'{alpha}'", StringComparison.Ordinal));
            Assert.True(NoReferenceRegressor.Alphas.Contains(alpha) == !errors.Any(), $"{string.Join(' ', command)} --alpha {alpha}: {string.Join("; ", errors.Select(e => e.Message))}");
        }
    }
}
