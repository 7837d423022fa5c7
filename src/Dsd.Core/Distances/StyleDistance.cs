using Dsd.Dissimilarity;
using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>Style (Gatys) distance: Σ_l mean |G(φ_l(x)) − G(φ_l(y))|; default layers relu1_2, relu2_1, relu3_1.</summary>
/// <remarks>
/// Without gradients the Grams come from <see cref="TiledGram"/>: images too large for one VGG pass within
/// <see cref="MemoryBudget.Default"/> run tile by tile, with the same result.
/// </remarks>
public sealed class StyleDistance(Vgg19Features vgg, IReadOnlyList<string>? layers = null)
    : FeatureDistance(vgg, layers ?? DefaultLayers)
{
    public static readonly IReadOnlyList<string> DefaultLayers = ["relu1_2", "relu2_1", "relu3_1"];

    public override Tensor PerImage(Tensor input, Tensor target) =>
        is_grad_enabled() && input.requires_grad ? base.PerImage(input, target) : Between(Vgg, Layers, input, target, MemoryBudget.Default);

    protected override Tensor Compare(Tensor input, Tensor target) => MeanPerImage((Gram.Of(input) - Gram.Of(target)).abs());

    /// <summary>The style distance [B] without gradients, whole or by tiles as <paramref name="budget"/> allows.</summary>
    internal static Tensor Between(Vgg19Features vgg, IReadOnlyList<string> layers, Tensor input, Tensor target, MemoryBudget budget)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var held = (input.NumberOfElements + target.NumberOfElements) * input.ElementSize;
        var x = TiledGram.Of(vgg, input, layers, budget, held);
        var y = TiledGram.Of(vgg, target, layers, budget, held);
        Tensor? total = null;
        foreach (var layer in layers)
        {
            var d = MeanPerImage((x[layer] - y[layer]).abs());
            total = total is null ? d : total + d;
        }
        return total!.MoveToOuterDisposeScope();
    }
}
