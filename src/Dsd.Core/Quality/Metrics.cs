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
        ["multi-scale-style"] = "style distance summed over the image and its ↓2 copy",
        ["sliced-wasserstein"] = "sliced Wasserstein distance of VGG activations (sorted, MSE)",
        ["perceptual"] = "L1 distance of VGG features (conv5_4, or relu2_2 when weights stop at conv3_1)",
        ["contextual"] = "contextual loss on relu2_1 (h = 0.5); quadratic cost in image area",
        ["noref-dsd"] = "no-reference DSD (SPEC §3): gap between psi's predicted and the measured ‖DSD_α‖₁, mean over 4 layers",
        ["psnr-y"] = "PSNR on BT.601 Y (limited range), dB, higher is better",
        ["psnr-rgb"] = "PSNR on RGB, dB, higher is better",
        ["ssim"] = "SSIM, Gaussian 11×11 σ = 1.5, on Y (or rgb/gray), higher is better",
    };

    public static IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)Descriptions.Keys;

    /// <summary>Creates the metric <paramref name="name"/>; unknown names and missing weights give a clear error.</summary>
    public static IQualityMetric Create(string name, MetricOptions options) => name switch
    {
        "dsd" => new DsdMetric(Vgg(options, options.Dsd.Layers), options.Dsd),
        "style" => new FeatureDistanceMetric(name, new StyleDistance(Vgg(options, StyleDistance.DefaultLayers))),
        "multi-scale-style" => new FeatureDistanceMetric(name, new MultiScaleStyleDistance(Vgg(options, StyleDistance.DefaultLayers))),
        "sliced-wasserstein" => new FeatureDistanceMetric(name, new SlicedWassersteinDistance(Vgg(options, StyleDistance.DefaultLayers))),
        "perceptual" => Perceptual(options),
        "contextual" => new FeatureDistanceMetric(name, new ContextualDistance(Vgg(options, ContextualDistance.DefaultLayers))),
        "noref-dsd" => NoReference(options),
        "psnr-y" => new PsnrMetric(onY: true, options.Shave),
        "psnr-rgb" => new PsnrMetric(onY: false, options.Shave),
        "ssim" => new SsimMetric(options.SsimChannels, options.Shave),
        _ => throw new DsdException(DsdErrorKind.InvalidInput, $"unknown metric '{name}' (available: {string.Join(", ", Names)})"),
    };

    /// <summary>The perceptual layer used: the requested one, else conv5_4 when covered, else relu2_2.</summary>
    public static string PerceptualLayer(MetricOptions options) =>
        options.PerceptualLayer ?? (options.VggWeights?.ContainsKey("features.34.weight") == true ? "conv5_4" : "relu2_2");

    /// <summary>True for metrics that run VGG19 (and so need its weights).</summary>
    public static bool NeedsVgg(string name) => name is "dsd" or "style" or "multi-scale-style" or "sliced-wasserstein" or "perceptual" or "contextual" or "noref-dsd";

    /// <summary>True for metrics that score an image without a reference.</summary>
    public static bool IsNoReference(string name) => name == "noref-dsd";

    static IQualityMetric NoReference(MetricOptions options)
    {
        // Never score with an untrained psi: no weights is an error, not random output.
        var path = options.RegressorPath ?? ShippedRegressors.PathFor(options.NoReferenceAlpha, options.ModelsFolder)
            ?? throw new DsdException(DsdErrorKind.Weights,
                $"noref-dsd needs trained regressor (psi) weights for α = {options.NoReferenceAlpha} and none were found in {options.ModelsFolder ?? ShippedRegressors.Folder}; pass --regressor PATH "
                + "(a psi state dict in safetensors or PyTorch format, e.g. from 'dsd train regressor' or the authors' resnet_se checkpoint)");
        // Our psi files record the α they were trained for; a psi for the other α would give confident nonsense.
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && File.Exists(path)
            && Serialization.SafeTensors.LoadMetadata(path).TryGetValue("alpha", out var trained)
            && double.TryParse(trained, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var a)
            && a != options.NoReferenceAlpha)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: psi was trained for α = {trained}, not α = {options.NoReferenceAlpha} (--alpha)");
        var psi = Networks.NoReferenceRegressor.FromFile(path, options.Device);
        return new NoReferenceDsd(psi, Vgg(options, Networks.NoReferenceRegressor.Layers), options.NoReferenceAlpha, options.NoReferenceTile);
    }

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
