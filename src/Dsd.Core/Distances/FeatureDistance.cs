using Dsd.Features;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>
/// The shape every VGG-feature distance shares (docs/method.md §6): a per-image distance [B] between an input and a target
/// batch, and the training loss as its batch mean. Gradients flow to the input only; the target side is detached.
/// Lower is better for all of them.
/// </summary>
public abstract class FeatureDistance
{
    protected FeatureDistance(Vgg19Features vgg, IReadOnlyList<string> layers)
    {
        foreach (var layer in layers)
            if (!vgg.Taps.Contains(layer))
                throw new ArgumentException($"the VGG extractor does not tap {layer}; build it with the layers this distance needs", nameof(vgg));
        Vgg = vgg;
        Layers = layers;
    }

    public Vgg19Features Vgg { get; }

    /// <summary>The VGG layers summed over.</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>
    /// The smallest image side for which every layer keeps at least one position (a layer after k poolings needs 2^k
    /// pixels): a smaller image would stop VGG19 with "output size is too small".
    /// </summary>
    public virtual int MinimumSide => Layers.Max(l => Vgg19Layers.Stride(Vgg19Layers.IndexOf(l)));

    /// <summary>Distance per image pair, shape [B].</summary>
    public virtual Tensor PerImage(Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        var x = Vgg.call(input);
        IReadOnlyDictionary<string, Tensor> y;
        using (no_grad()) y = Vgg.call(target);
        Tensor? total = null;
        foreach (var layer in Layers)
        {
            var d = Compare(x[layer], y[layer].detach());
            total = total is null ? d : total + d;
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>The training loss: mean over the batch of <see cref="PerImage"/>.</summary>
    public Tensor Loss(Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        return PerImage(input, target).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Per-image distance [B] between features of one layer; <paramref name="target"/> carries no gradient.</summary>
    protected abstract Tensor Compare(Tensor input, Tensor target);

    /// <summary>Mean over every dimension but the batch.</summary>
    protected static Tensor MeanPerImage(Tensor t) => t.reshape(t.shape[0], -1).mean([1]);
}
