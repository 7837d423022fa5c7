using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>
/// Sliced Wasserstein (projected distribution) distance along the channel axes: per channel, the spatial activations
/// of each image are sorted and compared by mean squared error, as the reference code does (1-D optimal transport).
/// </summary>
public sealed class SlicedWassersteinDistance(Vgg19Features vgg, IReadOnlyList<string>? layers = null)
    : FeatureDistance(vgg, layers ?? StyleDistance.DefaultLayers)
{
    protected override Tensor Compare(Tensor input, Tensor target)
    {
        var x = input.flatten(2).sort(-1).Values;
        var y = target.flatten(2).sort(-1).Values;
        return MeanPerImage((x - y).square());
    }
}
