using Dsd.Features;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>Whether a metric compares against a reference image.</summary>
public enum MetricKind
{
    /// <summary>Scores a distorted image against its reference.</summary>
    FullReference,
    /// <summary>Scores an image alone.</summary>
    NoReference,
}

/// <summary>A training loss term: (output, target) → scalar with gradients to the output.</summary>
public delegate Tensor LossFunction(Tensor output, Tensor target);

/// <summary>
/// One row of <see cref="MetricCatalog"/>: everything the tool knows about a metric or loss. The CLI's help and
/// validation, the "needs VGG19" decision, the report's directions and settings, <c>dsd score</c> and the training
/// losses all read these fields, so adding a metric is one entry here plus its class.
/// </summary>
public sealed record MetricEntry
{
    /// <summary>The name on the command line, e.g. <c>multi-scale-style</c>.</summary>
    public required string Name { get; init; }

    /// <summary>One line for <c>--help</c> and the README.</summary>
    public required string Description { get; init; }

    public MetricKind Kind { get; init; } = MetricKind.FullReference;

    /// <summary>True when a smaller score means better quality (closer to the reference, more natural).</summary>
    public bool LowerIsBetter { get; init; } = true;

    /// <summary>
    /// The VGG19 taps the entry runs for these settings; empty for pixel metrics. With <c>weights</c> null: the taps it
    /// would like (used to decide which weights to resolve); with weights: the taps it will use with them.
    /// </summary>
    public Func<MetricOptions, VggWeights?, IReadOnlyList<string>> VggLayers { get; init; } = (_, _) => [];

    /// <summary>True when the entry runs psi, the no-reference regressor (the shipped one, or <c>--regressor</c>).</summary>
    public bool NeedsPsi { get; init; }

    /// <summary>Model files the entry reads besides VGG19 and psi; all are built into the library.</summary>
    public IReadOnlyList<string> ModelFiles { get; init; } = [];

    /// <summary>The settings this entry reads, as outputs report them (snake_case names).</summary>
    public Func<MetricOptions, IReadOnlyDictionary<string, object?>> Settings { get; init; } = _ => new Dictionary<string, object?>();

    /// <summary>Builds the metric (null: a training loss only). The extractor is null for pixel metrics.</summary>
    public Func<MetricOptions, Vgg19Features?, IQualityMetric>? Metric { get; init; }

    /// <summary>Builds the training loss (null: a metric only), on an extractor that taps at least <see cref="VggLayers"/>.</summary>
    public Func<MetricOptions, Vgg19Features?, LossFunction>? Loss { get; init; }

    /// <summary>The key of the loss weight in a training config: the name in snake_case (<c>multi_scale_style</c>).</summary>
    public string ConfigKey => Name.Replace('-', '_');

    /// <summary>True when the entry runs VGG19 with these settings.</summary>
    public bool NeedsVgg(MetricOptions options) => VggLayers(options, null).Count > 0;
}
