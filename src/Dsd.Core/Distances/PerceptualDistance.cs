using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>Perceptual (feature) distance: Σ_l mean |φ_l(x) − φ_l(y)|; docs/method.md §5 uses conv5_4 for training.</summary>
public sealed class PerceptualDistance(Vgg19Features vgg, IReadOnlyList<string> layers) : FeatureDistance(vgg, layers)
{
    protected override Tensor Compare(Tensor input, Tensor target) => MeanPerImage((input - target).abs());
}
