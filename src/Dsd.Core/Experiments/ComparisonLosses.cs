using Dsd.Restoration;

namespace Dsd.Experiments;

/// <summary>
/// The feature-distribution losses of the loss comparison (docs/method.md §6, Fig. 13), each added with its weight to L1 in
/// the training config. Default weights: 100 for DSD (docs/method.md §5); the others chosen so that each weighted term is about
/// as large as 100·D_DSD on the same input: measured on 96×96 centre crops of the bicubic ×4 upsamplings of Set5
/// against their ground truth (mean D_DSD 0.0100, style 0.0110, multi-scale style 0.0244, sliced Wasserstein 3.53,
/// contextual 3.03), rounded. A heuristic: equal values, not equal gradients.
/// </summary>
public static class ComparisonLosses
{
    /// <summary>Loss name → default weight, in the order runs and tables list them.</summary>
    public static IReadOnlyDictionary<string, double> DefaultWeights { get; } = new Dictionary<string, double>
    {
        ["dsd"] = 100,
        ["style"] = 90,
        ["multi-scale-style"] = 40,
        ["sliced-wasserstein"] = 0.3,
        ["contextual"] = 0.3,
        ["l1"] = 0,
    };

    /// <summary>The losses compared by default (<c>l1</c>, L1 alone, is the optional control).</summary>
    public static IReadOnlyList<string> Default { get; } = ["dsd", "style", "multi-scale-style", "sliced-wasserstein", "contextual"];

    public static IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)DefaultWeights.Keys;

    /// <summary>The config with <paramref name="loss"/> switched on at <paramref name="weight"/> (L1 stays as configured).</summary>
    public static RestorationTrainingConfig With(RestorationTrainingConfig config, string loss, double weight) =>
        !DefaultWeights.ContainsKey(loss)
            ? throw new DsdException(DsdErrorKind.Usage, $"unknown loss '{loss}'" + NameSuggestions.Hint(loss, Names))
            : loss == "l1" ? config : config.WithLossWeight(loss, weight);
}
