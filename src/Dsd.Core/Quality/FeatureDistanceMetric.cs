using Dsd.Distances;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>A VGG-feature distance of docs/method.md §6 (style, sliced Wasserstein, perceptual, contextual) used as a metric.</summary>
public sealed class FeatureDistanceMetric(string name, FeatureDistance distance) : IQualityMetric
{
    /// <summary>The catalogue name, for error messages.</summary>
    string Name { get; } = name;

    public FeatureDistance Distance { get; } = distance;

    public double Score(Tensor distorted, Tensor? reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        MetricChecks.SameSize(distorted, reference);
        LargeEnough(distorted);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        return MetricChecks.Finite(Name, Distance.PerImage(distorted, reference).item<float>());
    }

    public double[] ScoreBatch(Tensor distorted, Tensor? reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        MetricChecks.SameSize(distorted, reference);
        LargeEnough(distorted);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        return Distance.PerImage(distorted, reference).to_type(ScalarType.Float64).data<double>().Select(v => MetricChecks.Finite(Name, v)).ToArray();
    }

    /// <summary>A pair too small for the layers is that pair's input error, like DSD's, not a failure of the whole run.</summary>
    void LargeEnough(Tensor image)
    {
        var min = Distance.MinimumSide;
        if (image.shape[2] < min || image.shape[3] < min)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"image is {image.shape[3]}×{image.shape[2]} but {Name} on {string.Join(", ", Distance.Layers)} needs at least {min}×{min} pixels");
    }
}
