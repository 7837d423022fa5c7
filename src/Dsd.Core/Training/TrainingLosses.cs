using Dsd.Dissimilarity;
using Dsd.Distances;
using Dsd.Features;
using Dsd.Quality;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// The weighted sum of the configured losses, each with the same call shape loss(output, target) → scalar:
/// L1, MSE, perceptual (L1 of one VGG tap), D_DSD, and the comparison losses (style, multi-scale style, sliced Wasserstein, contextual).
/// </summary>
public sealed class TrainingLosses : IDisposable
{
    readonly List<(string Name, double Weight, Func<Tensor, Tensor, Tensor> Loss)> terms = [];
    readonly Vgg19Features? vgg;

    /// <summary>The perceptual loss's VGG tap, when that loss is on.</summary>
    public string? PerceptualLayer { get; }

    public IReadOnlyList<string> Names => terms.Select(t => t.Name).ToList();

    public TrainingLosses(TrainingConfig config, IReadOnlyDictionary<string, Tensor>? vggWeights, string vggSource, Device device)
    {
        if (config.L1 > 0) terms.Add(("l1", config.L1, (x, y) => (x - y).abs().mean()));
        if (config.Mse > 0) terms.Add(("mse", config.Mse, (x, y) => (x - y).square().mean()));
        var needsVgg = config.Perceptual > 0 || config.Dsd > 0 || config.Style > 0 || config.MultiScaleStyle > 0 || config.SlicedWasserstein > 0 || config.Contextual > 0;
        if (!needsVgg) return;
        if (vggWeights is null)
            throw new DsdException(DsdErrorKind.Weights, "the perceptual, dsd, style, multi-scale style, sliced-wasserstein and contextual losses need VGG19 weights");

        var dsdOptions = new DsdOptions(Split(config.DsdLayers), Split(config.DsdAlphas).Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToList());
        if (config.Perceptual > 0)
            PerceptualLayer = Metrics.PerceptualLayer(new MetricOptions { VggWeights = vggWeights, PerceptualLayer = config.PerceptualLayer });
        var taps = new List<string>();
        if (PerceptualLayer is not null) taps.Add(PerceptualLayer);
        if (config.Dsd > 0) taps.AddRange(dsdOptions.Layers);
        if (config.Style > 0 || config.MultiScaleStyle > 0 || config.SlicedWasserstein > 0) taps.AddRange(StyleDistance.DefaultLayers);
        if (config.Contextual > 0) taps.AddRange(ContextualDistance.DefaultLayers);
        vgg = new Vgg19Features(taps.Distinct(), vggWeights, device, vggSource);

        if (PerceptualLayer is not null) Add("perceptual", config.Perceptual, new PerceptualDistance(vgg, [PerceptualLayer]));
        if (config.Dsd > 0)
        {
            var dsd = new DsdLoss(vgg, dsdOptions);
            terms.Add(("dsd", config.Dsd, dsd.Forward));
        }
        if (config.Style > 0) Add("style", config.Style, new StyleDistance(vgg));
        if (config.MultiScaleStyle > 0) Add("multi_scale_style", config.MultiScaleStyle, new MultiScaleStyleDistance(vgg));
        if (config.SlicedWasserstein > 0) Add("sliced_wasserstein", config.SlicedWasserstein, new SlicedWassersteinDistance(vgg));
        if (config.Contextual > 0) Add("contextual", config.Contextual, new ContextualDistance(vgg));
    }

    void Add(string name, double weight, FeatureDistance distance) => terms.Add((name, weight, distance.Loss));

    /// <summary>The total loss (with gradients) and each unweighted term's value.</summary>
    public (Tensor Total, Dictionary<string, double> Terms) Compute(Tensor output, Tensor target)
    {
        using var scope = NewDisposeScope();
        Tensor? total = null;
        var values = new Dictionary<string, double>();
        foreach (var (name, weight, loss) in terms)
        {
            var value = loss(output, target);
            values[name] = value.item<float>();
            var weighted = value * weight;
            total = total is null ? weighted : total + weighted;
        }
        return (total!.MoveToOuterDisposeScope(), values);
    }

    static List<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    public void Dispose() => vgg?.Dispose();
}
