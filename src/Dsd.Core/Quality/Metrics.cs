using Dsd.Distances;
using Dsd.Features;

namespace Dsd.Quality;

/// <summary>
/// Creates metrics by their CLI names: <c>var metric = Metrics.Create("dsd", options); double d = metric.Score(dist, reference);</c>
/// </summary>
public static class Metrics
{
    /// <summary>Every metric name with a one-line description.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        ["dsd"] = "DSD distance (SPEC §2), full-reference, lower is better",
        ["style"] = "Gram-matrix (style) L1 distance on relu1_2, relu2_1, relu3_1",
        ["sliced-wasserstein"] = "sliced Wasserstein distance of VGG activations (sorted, MSE)",
        ["perceptual"] = "L1 distance of VGG features (conv5_4, or relu2_2 when weights stop at conv3_1)",
        ["contextual"] = "contextual loss on relu2_1 (h = 0.5); quadratic cost in image area",
    };

    public static IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)Descriptions.Keys;

    /// <summary>Creates the metric <paramref name="name"/>; unknown names and missing weights give a clear error.</summary>
    public static IQualityMetric Create(string name, MetricOptions options) => name switch
    {
        "dsd" => new DsdMetric(Vgg(options, options.Dsd.Layers), options.Dsd),
        "style" => new FeatureDistanceMetric(name, new StyleDistance(Vgg(options, StyleDistance.DefaultLayers))),
        "sliced-wasserstein" => new FeatureDistanceMetric(name, new SlicedWassersteinDistance(Vgg(options, StyleDistance.DefaultLayers))),
        "perceptual" => Perceptual(options),
        "contextual" => new FeatureDistanceMetric(name, new ContextualDistance(Vgg(options, ContextualDistance.DefaultLayers))),
        _ => throw new DsdException(DsdErrorKind.InvalidInput, $"unknown metric '{name}' (available: {string.Join(", ", Names)})"),
    };

    /// <summary>The perceptual layer used: the requested one, else conv5_4 when covered, else relu2_2.</summary>
    public static string PerceptualLayer(MetricOptions options) =>
        options.PerceptualLayer ?? (options.VggWeights?.ContainsKey("features.34.weight") == true ? "conv5_4" : "relu2_2");

    static IQualityMetric Perceptual(MetricOptions options)
    {
        var layer = PerceptualLayer(options);
        return new FeatureDistanceMetric("perceptual", new PerceptualDistance(Vgg(options, [layer]), [layer]));
    }

    static Vgg19Features Vgg(MetricOptions options, IReadOnlyList<string> layers)
    {
        var weights = options.VggWeights
            ?? throw new DsdException(DsdErrorKind.Weights, $"metric needs VGG19 weights ({string.Join(", ", layers)}) but none were given");
        return new Vgg19Features(layers, weights, options.Device, options.VggSource);
    }
}
