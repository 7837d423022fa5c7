using System.CommandLine;
using Dsd.Cli.Commands;
using Dsd.Weights;
using Xunit;

namespace Dsd.Tests.Weights;

public class WeightsCommandTests
{
    [Fact]
    public void VggWeightsOptionIsReadFromTheParsedCommand()
    {
        var command = new Command("probe");
        command.Options.Add(VggWeightsOption.Create());
        var parsed = command.Parse(["--vgg-weights", "/x/vgg.pth"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal("/x/vgg.pth", VggWeightsOption.Options(parsed).ExplicitPath);
    }

    [Fact]
    public void VggWeightsOptionLoadsTheExplicitFile()
    {
        var command = new Command("probe");
        command.Options.Add(VggWeightsOption.Create());
        var path = WeightsFixtures.File("vgg_conv1_legacy.pth");
        using var vgg = VggWeightsOption.Load(command.Parse(["--vgg-weights", path]));
        Assert.Equal(path, vgg.Path);
        Assert.Equal(VggWeightsSourceKind.Explicit, vgg.Source);
        Assert.Equal(2, vgg.State.Count);
    }

    [Fact]
    public void WeightsCommandHasItsSubcommands()
    {
        var weights = Assert.Single(CommandCatalog.All(), c => c.Name == "weights");
        Assert.Equal(["fetch", "import", "list"], weights.Subcommands.Select(c => c.Name));
    }

    [Fact]
    public void ImportOfAMissingFileExitsWithTheWeightsCode()
    {
        var root = new RootCommand();
        root.Subcommands.Add(WeightsCommand.Create());
        Assert.Equal(3, root.Parse(["weights", "import", "/no/such/vgg19-dcbb9e9d.pth"]).Invoke());
    }
}
