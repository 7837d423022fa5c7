using System.CommandLine;
using Dsd.Weights;

namespace Dsd.Cli.Commands;

/// <summary>
/// The <c>--vgg-weights PATH</c> option shared by every command that runs VGG19, and the loader behind it.
/// Usage: <c>command.Options.Add(VggWeightsOption.Create());</c> then, in the action,
/// <c>using var vgg = VggWeightsOption.Load(parseResult);</c> (tensors in <c>vgg.State</c>, source in
/// <c>vgg.Path</c> / <c>vgg.Sha256</c>).
/// </summary>
internal static class VggWeightsOption
{
    public const string Name = "--vgg-weights";

    /// <summary>A new option instance for one command.</summary>
    public static Option<string> Create() => new(Name)
    {
        Description = $"VGG19 weights file (.pth or .safetensors, torchvision layout). Default: ${VggWeightsOptions.WeightsVariable}, "
            + $"else $DSD_HOME/{VggWeightStore.CacheFileName} (DSD_HOME defaults to ~/.cache/dsd), downloaded on first use",
        HelpName = "PATH",
    };

    /// <summary>Where to look, from the command's --vgg-weights (if it has one) and the environment.</summary>
    public static VggWeightsOptions Options(ParseResult parseResult)
    {
        var option = parseResult.CommandResult.Command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == Name);
        return VggWeightsOptions.FromEnvironment(option is null ? null : parseResult.GetValue(option));
    }

    /// <summary>
    /// Loads and validates the VGG19 weights for a command; when none are set up, downloads them first (notice and
    /// progress bar on stderr) unless DSD_OFFLINE=1. Throws <see cref="DsdException"/> (Weights) on any problem.
    /// </summary>
    public static VggWeights Load(ParseResult parseResult) => Load(Options(parseResult));

    /// <summary><see cref="Load(ParseResult)"/> for explicit options.</summary>
    public static VggWeights Load(VggWeightsOptions options)
    {
        if (VggWeightStore.Resolve(options) is null && options.AllowDownload)
        {
            CliRunner.Info($"VGG19 weights not found; downloading {options.Url} into {options.CacheDirectory} (once)");
            DownloadProgressBar.Run("VGG19 weights", (progress, token) => VggWeightFetcher.Fetch(options, progress, token));
        }
        return VggWeightStore.Load(options);
    }
}
