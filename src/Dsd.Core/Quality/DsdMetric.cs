using Dsd.Dissimilarity;
using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The full-reference DSD distance (SPEC §2) as a metric. The fingerprint of the last reference is kept, so scoring
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
        if (!distorted.shape.SequenceEqual(reference.shape))
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"sizes differ: distorted {distorted.shape[3]}×{distorted.shape[2]}, reference {reference.shape[3]}×{reference.shape[2]}");
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var target = ReferencePrint(reference);
        using var print = Fingerprint.Compute(vgg, distorted, Options);
        var value = DsdDistance.Between(print, target).item<float>();
        if (!float.IsFinite(value))
            throw new DsdException(DsdErrorKind.Numerical, "DSD distance is not finite (NaN or infinity in the image or weights)");
        return value;
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
