using Dsd.Dissimilarity;
using Dsd.Distances;
using Dsd.Features;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Weights;

namespace Dsd.Quality;

/// <summary>
/// Every metric and training loss the toolkit offers, one <see cref="MetricEntry"/> each (in the spirit of pyiqa's
/// table of metric configs): <c>var metric = MetricCatalog.Create("dsd", options); double d = metric.Score(dist, reference);</c>
/// </summary>
public static class MetricCatalog
{
    /// <summary>All entries, in the order help lists them and training sums the loss terms (train.csv columns).</summary>
    public static IReadOnlyList<MetricEntry> Entries { get; } =
    [
        new()
        {
            Name = "l1",
            Description = "mean absolute pixel difference (training loss)",
            Loss = (_, _) => (x, y) => (x - y).abs().mean(),
        },
        new()
        {
            Name = "mse",
            Description = "mean squared pixel difference (training loss)",
            Loss = (_, _) => (x, y) => (x - y).square().mean(),
        },
        new()
        {
            Name = "perceptual",
            Description = "L1 distance of VGG features (conv5_4, or relu2_2 when the weights stop at conv3_1)",
            VggLayers = (o, w) => [PerceptualLayer(o, w)],
            Settings = o => new Dictionary<string, object?> { ["perceptual_layer"] = PerceptualLayer(o, o.VggWeights) },
            Metric = (o, vgg) => new FeatureDistanceMetric("perceptual", new PerceptualDistance(vgg!, [PerceptualLayer(o, o.VggWeights)])),
            Loss = (o, vgg) => new PerceptualDistance(vgg!, [PerceptualLayer(o, o.VggWeights)]).Loss,
        },
        new()
        {
            Name = "dsd",
            Description = "DSD distance (docs/method.md §2): mean |DSD_α(x) − DSD_α(y)| over layers and α",
            VggLayers = (o, _) => o.Dsd.Layers,
            Settings = o => new Dictionary<string, object?> { ["dsd"] = o.Dsd.ToString() },
            Metric = (o, vgg) => new DsdMetric(vgg!, o.Dsd),
            Loss = (o, vgg) => new DsdLoss(vgg!, o.Dsd).Forward,
        },
        VggDistance("style", "Gram-matrix (style) L1 distance on relu1_2, relu2_1, relu3_1", StyleDistance.DefaultLayers, vgg => new StyleDistance(vgg)),
        VggDistance("multi-scale-style", "style distance summed over the image and its ↓2 copy", StyleDistance.DefaultLayers, vgg => new MultiScaleStyleDistance(vgg)),
        VggDistance("sliced-wasserstein", "sliced Wasserstein distance of VGG activations (sorted, MSE)", StyleDistance.DefaultLayers, vgg => new SlicedWassersteinDistance(vgg)),
        VggDistance("contextual", "contextual loss on relu2_1 (h = 0.5); quadratic cost in image area", ContextualDistance.DefaultLayers, vgg => new ContextualDistance(vgg)),
        new()
        {
            Name = "noref-dsd",
            Description = "no-reference DSD (docs/method.md §3): how far the measured ‖DSD_α‖₁ of 4 layers are from psi's prediction (--noref-form)",
            Kind = MetricKind.NoReference,
            NeedsPsi = true,
            VggLayers = (_, _) => NoReferenceRegressor.Layers,
            Settings = NoReferenceSettings,
            Metric = (o, vgg) => NoReferenceDsd.Create(o, vgg!),
        },
        new()
        {
            Name = "niqe",
            Description = "NIQE (Mittal et al. 2013): distance of 96×96-block natural-scene statistics from a pristine-photo model, MATLAB gray; built-in model",
            Kind = MetricKind.NoReference,
            ModelFiles = ["niqe_pris_params.npz"],
            Settings = _ => NiqeSettings,
            Metric = (_, _) => new NiqeMetric(onY: false),
        },
        new()
        {
            Name = "niqe-y",
            Description = "NIQE on BT.601 luma (BasicSR's convention, most SR papers' numbers); built-in model",
            Kind = MetricKind.NoReference,
            ModelFiles = ["niqe_pris_params.npz"],
            Settings = _ => NiqeSettings,
            Metric = (_, _) => new NiqeMetric(onY: true),
        },
        new()
        {
            Name = "brisque",
            Description = "BRISQUE (Mittal et al. 2012) as OpenCV 4.6 computes it: SVR on MSCN statistics at two scales, 0–100; built-in model",
            Kind = MetricKind.NoReference,
            ModelFiles = ["brisque_model_live.yml", "brisque_range_live.yml"],
            Settings = _ => new Dictionary<string, object?> { ["brisque_model"] = "built-in brisque_model_live.yml and brisque_range_live.yml (OpenCV contrib, LIVE); OpenCV 4.6 conventions" },
            Metric = (_, _) => new BrisqueMetric(),
        },
        new()
        {
            Name = "psnr-y",
            Description = "PSNR on BT.601 Y (limited range), dB",
            LowerIsBetter = false,
            Settings = o => new Dictionary<string, object?> { ["shave"] = o.Shave },
            Metric = (o, _) => new PsnrMetric(onY: true, o.Shave),
        },
        new()
        {
            Name = "psnr-rgb",
            Description = "PSNR on RGB, dB",
            LowerIsBetter = false,
            Settings = o => new Dictionary<string, object?> { ["shave"] = o.Shave },
            Metric = (o, _) => new PsnrMetric(onY: false, o.Shave),
        },
        new()
        {
            Name = "ssim",
            Description = "SSIM, Gaussian 11×11 σ = 1.5, on Y (or rgb/gray)",
            LowerIsBetter = false,
            Settings = o => new Dictionary<string, object?> { ["shave"] = o.Shave, ["ssim_channels"] = o.SsimChannels },
            Metric = (o, _) => new SsimMetric(o.SsimChannels, o.Shave),
        },
    ];

    /// <summary>The entries usable as metrics (<c>dsd score --metrics</c>).</summary>
    public static IReadOnlyList<MetricEntry> Metrics { get; } = Entries.Where(e => e.Metric is not null).ToList();

    /// <summary>The entries usable as training losses (<c>dsd train --l1 … --contextual</c>).</summary>
    public static IReadOnlyList<MetricEntry> Losses { get; } = Entries.Where(e => e.Loss is not null).ToList();

    /// <summary>The metric called <paramref name="name"/>; unknown names are a usage error with a suggestion.</summary>
    public static MetricEntry Metric(string name) =>
        Metrics.FirstOrDefault(e => e.Name == name)
        ?? throw new DsdException(DsdErrorKind.Usage,
            $"unknown metric '{name}'{NameSuggestions.Hint(name, Metrics.Select(e => e.Name))} (available: {string.Join(", ", Metrics.Select(e => e.Name))})");

    /// <summary>Creates the metric <paramref name="name"/> with its own VGG extractor when it needs one.</summary>
    public static IQualityMetric Create(string name, MetricOptions options) => Create(Metric(name), options);

    /// <summary>Creates the metric of <paramref name="entry"/>.</summary>
    public static IQualityMetric Create(MetricEntry entry, MetricOptions options)
    {
        var factory = entry.Metric ?? throw new ArgumentException($"{entry.Name} is a training loss, not a metric", nameof(entry));
        return factory(options, Extractor(entry.VggLayers(options, options.VggWeights), options, entry.Name));
    }

    /// <summary>
    /// The deepest VGG19 feature index any of <paramref name="entries"/> would like with these settings, or -1 when
    /// none runs VGG19: it decides which weights to resolve (the embedded subset stops at relu3_1). Defaults follow
    /// <c>weights</c> (perceptual: relu2_2 when they stop at conv3_1); null means not yet resolved, so the paper's conv5_4.
    /// </summary>
    public static int DeepestVggIndex(IEnumerable<MetricEntry> entries, MetricOptions options, VggWeights? weights = null) =>
        entries.SelectMany(e => e.VggLayers(options, weights)).Select(Vgg19Layers.IndexOf).DefaultIfEmpty(-1).Max();

    /// <summary>
    /// The perceptual tap: the one asked for, else conv5_4 (the paper's) when the weights cover it or are not yet
    /// resolved, else relu2_2 (weights that stop at conv3_1).
    /// </summary>
    public static string PerceptualLayer(MetricOptions options, VggWeights? weights) =>
        options.PerceptualLayer ?? (weights is null || weights.Covers("conv5_4") ? "conv5_4" : "relu2_2");

    /// <summary>The settings of <paramref name="entries"/> merged, for an output's settings block.</summary>
    public static Dictionary<string, object?> Settings(IEnumerable<MetricEntry> entries, MetricOptions options)
    {
        var settings = new Dictionary<string, object?>();
        foreach (var entry in entries)
            foreach (var (key, value) in entry.Settings(options))
                settings[key] = value;
        return settings;
    }

    /// <summary>A VGG extractor with <paramref name="taps"/>, or null when there are none.</summary>
    internal static Vgg19Features? Extractor(IReadOnlyList<string> taps, MetricOptions options, string user)
    {
        if (taps.Count == 0) return null;
        var weights = options.VggWeights
            ?? throw new DsdException(DsdErrorKind.Weights, $"{user} needs VGG19 weights ({string.Join(", ", taps)}) but none were given");
        return new Vgg19Features(taps, weights, options.Device);
    }

    static MetricEntry VggDistance(string name, string description, IReadOnlyList<string> layers, Func<Vgg19Features, FeatureDistance> create) => new()
    {
        Name = name,
        Description = description,
        VggLayers = (_, _) => layers,
        Metric = (_, vgg) => new FeatureDistanceMetric(name, create(vgg!)),
        Loss = (_, vgg) => create(vgg!).Loss,
    };

    static Dictionary<string, object?> NiqeSettings => new()
    {
        ["niqe_model"] = $"built-in niqe_pris_params.npz (BasicSR, LIVE release); {Niqe.BlockSide}-px blocks, MATLAB conventions",
    };

    /// <summary>The settings block of noref-dsd; the form is resolved once (it reads the psi file's header).</summary>
    static Dictionary<string, object?> NoReferenceSettings(MetricOptions o)
    {
        var form = NoReferenceDsd.FormFor(o);
        return new Dictionary<string, object?>
        {
            ["regressor"] = o.RegressorPath ?? ShippedRegressors.PathFor(o.NoReferenceAlpha, o.ModelsFolder),
            ["noref_alpha"] = o.NoReferenceAlpha,
            ["noref_tiles"] = (o.NoReferenceTile ?? NoReferenceDsd.DefaultTile(o.NoReferenceAlpha)) is var t && t == 0 ? "whole image" : $"mean over {t}x{t} tiles",
            ["noref_form"] = form.Name(),
            ["noref_reduction"] = form switch
            {
                NoReferenceForm.Paper => "mean over 4 layers (the reference evaluator sums: ×4)",
                NoReferenceForm.Calibrated => "weighted sum of the 4 layers' z-scores and their differences (calibration in the psi file)",
                _ => "mean over 4 layers",
            },
        };
    }
}
