using Dsd.Dissimilarity;
using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The full-reference DSD distance (docs/method.md §2) as a metric. The fingerprint of the last reference is kept, so scoring
/// many distorted images against one reference computes it once.
/// </summary>
public sealed class DsdMetric(Vgg19Features vgg, DsdOptions? options = null) : IQualityMetric, IDisposable
{
    Tensor? cachedReference;
    Fingerprint? cachedPrint;

    public string Name => "dsd";

    public bool LowerIsBetter => true;

    public bool NeedsReference => true;

    public DsdOptions Options { get; } = options ?? DsdOptions.ImageQuality;

    public double Score(Tensor distorted, Tensor? reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        MetricChecks.SameSize(distorted, reference);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var target = ReferencePrint(reference);
        using var print = Fingerprint.Compute(vgg, distorted, Options);
        return MetricChecks.Finite(Name, DsdDistance.Between(print, target).item<float>());
    }

    /// <summary>A batch of pairs in one pass through VGG (no reference caching: every reference differs).</summary>
    public double[] ScoreBatch(Tensor distorted, Tensor? reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        MetricChecks.SameSize(distorted, reference);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        using var x = Fingerprint.Compute(vgg, distorted, Options);
        using var y = Fingerprint.Compute(vgg, reference, Options);
        return DsdDistance.Between(x, y).to_type(ScalarType.Float64).data<double>().Select(v => MetricChecks.Finite(Name, v)).ToArray();
    }

    Fingerprint ReferencePrint(Tensor reference)
    {
        // Same tensor object (the caller reuses one loaded reference) → reuse its fingerprint.
        if (cachedPrint is not null && ReferenceEquals(cachedReference, reference)) return cachedPrint;
        cachedPrint?.Dispose();
        using (NewDisposeScope())
        using (var print = Fingerprint.Compute(vgg, reference, Options))
            cachedPrint = print.Detach();
        cachedReference = reference;
        return cachedPrint;
    }

    public void Dispose()
    {
        cachedPrint?.Dispose();
        cachedPrint = null;
        cachedReference = null;
    }
}
