using TorchSharp;
using Dsd.Features;
using Dsd.Quality;
using Dsd.Weights;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// The weighted sum of a run's loss terms, each from <see cref="MetricCatalog.Losses"/> with the same call shape
/// loss(output, target) → scalar: L1, MSE, perceptual, D_DSD and the comparison losses. The VGG-based terms share one
/// extractor that taps every layer any of them needs.
/// </summary>
public sealed class TrainingLosses : IDisposable
{
    readonly List<(string Name, double Weight, LossFunction Loss)> terms = [];
    readonly Vgg19Features? vgg;

    /// <summary>The perceptual loss's VGG tap, when that loss is on.</summary>
    public string? PerceptualLayer { get; }

    /// <summary>The active terms' config keys (train.csv columns).</summary>
    public IReadOnlyList<string> Names => terms.Select(t => t.Name).ToList();

    public TrainingLosses(RestorationTrainingConfig config, VggWeights? vggWeights, Device device)
    {
        var options = config.LossOptions(vggWeights, device);
        var active = config.ActiveLosses();
        var taps = active.SelectMany(l => l.Loss.VggLayers(options, vggWeights)).Distinct().ToList();
        if (taps.Count > 0 && vggWeights is null)
            throw new DsdException(DsdErrorKind.Weights,
                $"the {string.Join(", ", active.Where(l => l.Loss.NeedsVgg(options)).Select(l => l.Loss.ConfigKey))} loss needs VGG19 weights");
        vgg = taps.Count > 0 ? new Vgg19Features(taps, vggWeights!, device) : null;
        if (active.Any(l => l.Loss.Name == "perceptual")) PerceptualLayer = MetricCatalog.PerceptualLayer(options, vggWeights);
        foreach (var (loss, weight) in active)
            terms.Add((loss.ConfigKey, weight, loss.Loss!(options, vgg)));
    }

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
            using var w = weight.ToScalar(); // held across the native call (see ScalarArithmetic)
            var weighted = value.mul(w);
            total = total is null ? weighted : total + weighted;
        }
        return (total!.MoveToOuterDisposeScope(), values);
    }

    public void Dispose() => vgg?.Dispose();
}
