using System.CommandLine;
using Dsd.Weights;

namespace Dsd.Cli.Commands;

/// <summary>
/// The <c>--vgg-weights PATH</c> option shared by every command that runs VGG19, and the one place the CLI resolves
/// weights: <c>using var vgg = VggWeightsOption.Load(parseResult, deepestIndex);</c>. The built-in conv1_1…conv3_1
/// subset serves every layer up to relu3_1; deeper layers download torchvision's file once (with a progress bar)
/// unless DSD_OFFLINE=1.
/// </summary>
internal static class VggWeightsOption
{
    public const string Name = "--vgg-weights";

    /// <summary>A new option instance for one command.</summary>
    public static Option<string> Create() => new(Name)
    {
        Description = $"VGG19 weights file (.pth or .safetensors, torchvision layout). Default: ${VggWeightsOptions.WeightsVariable}, "
            + $"else $DSD_HOME/{VggWeightStore.CacheFileName} (DSD_HOME defaults to ~/.cache/dsd), else the built-in conv1_1…conv3_1 "
            + "subset for layers up to relu3_1; a deeper layer asked for by name (--perceptual-layer conv5_4) downloads torchvision's file once (548 MB)",
        HelpName = "PATH",
    };

    /// <summary>Where to look, from the command's --vgg-weights (if it has one) and the environment.</summary>
    public static VggWeightsOptions Options(ParseResult parseResult)
    {
        var option = parseResult.CommandResult.Command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == Name);
        return VggWeightsOptions.FromEnvironment(option is null ? null : parseResult.GetValue(option));
    }

    /// <summary>
    /// Resolves the VGG19 weights for layers up to feature index <paramref name="deepestIndex"/> (tensors load on first
    /// use). Throws <see cref="DsdException"/> (Weights) on any problem.
    /// </summary>
    public static VggWeights Load(ParseResult parseResult, int deepestIndex = EmbeddedVggWeights.DeepestIndex) =>
        Load(Options(parseResult), deepestIndex);

    /// <summary>
    /// Resolves the weights for the layers <paramref name="deepestFor"/> names for given weights (−1: no VGG19). A
    /// default that follows the weights (perceptual: conv5_4 when they cover it, else relu2_2) is decided by what is set
    /// up: with no weights file of the user's, the built-in subset decides it, so a default never starts a 548 MB
    /// download; a layer beyond relu3_1 asked for by name (<c>--perceptual-layer conv5_4</c>) still does.
    /// </summary>
    public static VggWeights? LoadFor(ParseResult parseResult, Func<VggWeights?, int> deepestFor)
    {
        var options = Options(parseResult);
        var deepest = deepestFor(null);
        if (deepest > EmbeddedVggWeights.DeepestIndex && VggWeightStore.Resolve(options, deepest) is null)
        {
            using var embedded = VggWeights.Embedded();
            deepest = deepestFor(embedded);
            if (deepest <= EmbeddedVggWeights.DeepestIndex)
                CliRunner.Info("the built-in VGG19 subset stops at conv3_1, so perceptual uses relu2_2; 'dsd weights fetch' sets up the full file for conv5_4");
        }
        return deepest < 0 ? null : Load(options, deepest);
    }

    /// <summary><see cref="Load(ParseResult, int)"/> for explicit options.</summary>
    public static VggWeights Load(VggWeightsOptions options, int deepestIndex = EmbeddedVggWeights.DeepestIndex)
    {
        if (VggWeightStore.Resolve(options, deepestIndex) is { } found) return VggWeightStore.Open(found);
        if (!options.AllowDownload) return VggWeightStore.Acquire(options, deepestIndex); // throws, saying how to provide them
        CliRunner.Info($"VGG19 weights beyond relu3_1 are not set up; downloading {options.Url} into {options.CacheDirectory} (once)");
        return ProgressBar.Download("VGG19 weights", (progress, token) => VggWeightStore.Acquire(options, deepestIndex, progress, null, token));
    }
}
