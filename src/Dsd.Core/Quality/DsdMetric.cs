using Dsd.Dissimilarity;
using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The full-reference DSD distance (docs/method.md §2) as a metric. The fingerprint of the last reference is kept, so scoring
/// many distorted images against one reference computes it once. On a GPU a new reference goes through VGG19 in one batch
/// with its distorted image (<see cref="BatchNewReference"/>).
/// </summary>
public sealed class DsdMetric(Vgg19Features vgg, DsdOptions? options = null) : IQualityMetric, IDisposable
{
    Tensor? cachedReference;
    Fingerprint? cachedPrint;

    /// <summary>The catalogue name, for error messages.</summary>
    string Name => "dsd";

    public DsdOptions Options { get; } = options ?? DsdOptions.ImageQuality;

    /// <summary>
    /// Whether a new reference and its distorted image share one VGG19 pass (a batch of two). Default: only off the CPU.
    /// On the CPU the batch doubles the activations held at once and is no faster: scoring the 19 Set5 + Set14 SRGAN
    /// pairs on 2 cores peaked well above two separate passes (bench/memory/peak-rss.sh, README "Throughput").
    /// </summary>
    public bool BatchNewReference { get; init; } = vgg.Device.type != TorchSharp.DeviceType.CPU;

    public double Score(Tensor distorted, Tensor? reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        MetricChecks.SameSize(distorted, reference);
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        if (BatchNewReference && !IsCached(reference) && distorted.shape[0] == 1)
        {
            // A new reference: both images go through VGG19 in one batch of two, and the reference's half is kept.
            using var both = Fingerprint.Compute(vgg, cat([distorted, reference]), Options);
            using var x = both.Slice(0);
            using var y = both.Slice(1);
            Cache(reference, y.Detach());
            return MetricChecks.Finite(Name, DsdDistance.Between(x, y).item<float>());
        }
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

    // Same tensor object (the caller reuses one loaded reference) → reuse its fingerprint.
    bool IsCached(Tensor reference) => cachedPrint is not null && ReferenceEquals(cachedReference, reference);

    Fingerprint ReferencePrint(Tensor reference)
    {
        if (IsCached(reference)) return cachedPrint!;
        using (NewDisposeScope())
        using (var print = Fingerprint.Compute(vgg, reference, Options))
            Cache(reference, print.Detach());
        return cachedPrint!;
    }

    void Cache(Tensor reference, Fingerprint detached)
    {
        cachedPrint?.Dispose();
        cachedPrint = detached;
        cachedReference = reference;
    }

    public void Dispose()
    {
        cachedPrint?.Dispose();
        cachedPrint = null;
        cachedReference = null;
    }
}
