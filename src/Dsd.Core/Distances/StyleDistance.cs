using Dsd.Dissimilarity;
using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>Style (Gatys) distance: Σ_l mean |G(φ_l(x)) − G(φ_l(y))|; default layers relu1_2, relu2_1, relu3_1.</summary>
public sealed class StyleDistance(Vgg19Features vgg, IReadOnlyList<string>? layers = null)
    : FeatureDistance(vgg, layers ?? DefaultLayers)
{
    public static readonly IReadOnlyList<string> DefaultLayers = ["relu1_2", "relu2_1", "relu3_1"];

    protected override Tensor Compare(Tensor input, Tensor target) => MeanPerImage((Gram.Of(input) - Gram.Of(target)).abs());
}
