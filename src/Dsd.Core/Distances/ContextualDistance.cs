using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>
/// Contextual loss (Mechrez et al. 2018) with bandwidth h (0.5) and ε = 1e-5 as in the reference code: cosine distances
/// between all feature vectors of x and y after centring both on y's mean, normalised by each row's minimum,
/// turned into affinities, and −log of the mean best match. Cost is quadratic in the number of feature positions.
/// </summary>
public sealed class ContextualDistance(Vgg19Features vgg, IReadOnlyList<string>? layers = null, double bandwidth = 0.5)
    : FeatureDistance(vgg, layers ?? DefaultLayers)
{
    public static readonly IReadOnlyList<string> DefaultLayers = ["relu2_1"];

    const double Eps = 1e-5;

    public double Bandwidth { get; } = bandwidth;

    protected override Tensor Compare(Tensor input, Tensor target)
    {
        // Centring on y's per-image mean; the reference centres on the batch mean, identical for one image per batch.
        var mu = target.mean([2, 3], keepdim: true);
        var x = nn.functional.normalize(input - mu, p: 2, dim: 1).flatten(2);
        var y = nn.functional.normalize(target - mu, p: 2, dim: 1).flatten(2);
        var dist = 1 - x.transpose(1, 2).bmm(y);                         // [B, Nx, Ny]
        var relative = dist / (dist.min(2, keepdim: true).values + Eps);
        var w = ((1 - relative) / Bandwidth).exp();
        var cx = w / w.sum(2, keepdim: true);
        var best = cx.max(1).values.mean([1]);                            // [B]
        return -(best + Eps).log();
    }
}
