using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Weights;

namespace Dsd.Quality;

/// <summary>
/// What one catalogue entry is and needs with the default settings, for <c>dsd metrics</c> (in the spirit of pyiqa's
/// model list): full- or no-reference, direction, metric and/or training loss, the VGG19 taps and whether the weights
/// built into the library cover them or the full file must be downloaded, psi, and other model files.
/// </summary>
/// <param name="Name">The catalogue name.</param>
/// <param name="Description">One line, as <c>--help</c> shows it.</param>
/// <param name="Kind">Full- or no-reference.</param>
/// <param name="LowerIsBetter">The direction of better quality.</param>
/// <param name="IsMetric">Usable with <c>dsd score --metrics</c>.</param>
/// <param name="IsLoss">Usable as a training loss.</param>
/// <param name="VggLayers">The VGG19 taps it runs with the default settings (empty: none).</param>
/// <param name="VggWeights">"built-in" (taps up to relu3_1, embedded), "download" (deeper: <c>dsd weights fetch</c>), or null.</param>
/// <param name="BuiltInLayers">When <paramref name="VggWeights"/> is "download": the taps the entry falls back to with the
/// built-in weights (perceptual: relu2_2), or empty when it cannot run on them.</param>
/// <param name="Psi">The shipped psi files (one per α) when the entry runs psi, else empty.</param>
/// <param name="ModelFiles">Other model files; all built into the library.</param>
public sealed record MetricRequirements(
    string Name, string Description, MetricKind Kind, bool LowerIsBetter, bool IsMetric, bool IsLoss,
    IReadOnlyList<string> VggLayers, string? VggWeights, IReadOnlyList<string> BuiltInLayers, IReadOnlyList<string> Psi, IReadOnlyList<string> ModelFiles)
{
    /// <summary>The α values psi ships for, in the order they are listed: the reference evaluator's 4 first.</summary>
    public static IReadOnlyList<double> PsiAlphas { get; } = [.. NoReferenceRegressor.Alphas.OrderDescending().Select(a => (double)a)];

    /// <summary>Every entry of <see cref="MetricCatalog.Entries"/>, in catalogue order.</summary>
    public static IReadOnlyList<MetricRequirements> All(MetricOptions? options = null) =>
        MetricCatalog.Entries.Select(e => Of(e, options ?? new MetricOptions())).ToList();

    /// <summary>The requirements of <paramref name="entry"/> with <paramref name="options"/>.</summary>
    public static MetricRequirements Of(MetricEntry entry, MetricOptions options)
    {
        var layers = entry.VggLayers(options, null);
        var deepest = layers.Select(Vgg19Layers.IndexOf).DefaultIfEmpty(-1).Max();
        var weights = deepest < 0 ? null : deepest <= EmbeddedVggWeights.DeepestIndex ? "built-in" : "download";
        IReadOnlyList<string> fallback = [];
        if (weights == "download")
        {
            using var embedded = Weights.VggWeights.Embedded();
            var taps = entry.VggLayers(options, embedded);
            if (taps.All(embedded.Covers)) fallback = taps;
        }
        IReadOnlyList<string> psi = entry.NeedsPsi
            ? PsiAlphas.Select(a => ShippedRegressors.PathFor(a, options.ModelsFolder) is { } path ? Path.GetFileName(path) : $"psi for α = {a} (not shipped: --regressor)").ToList()
            : [];
        return new MetricRequirements(entry.Name, entry.Description, entry.Kind, entry.LowerIsBetter, entry.Metric is not null, entry.Loss is not null,
            layers, weights, fallback, psi, entry.ModelFiles);
    }
}
