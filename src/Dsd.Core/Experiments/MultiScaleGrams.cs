using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Experiments;

/// <summary>
/// G(φ_l(x↓s)) for a set of scales s and layers l: the statistics both objectives of fingerprint matching are built
/// from. The DSD of a scale pair is a difference of two of them, the style loss compares them directly, so one pass
/// serves both. Differentiable in the image when computed with gradients enabled.
/// </summary>
public static class MultiScaleGrams
{
    /// <summary>[B,C,C] Gram per (scale, layer); the tensors belong to the caller's dispose scope.</summary>
    public static Dictionary<(double Scale, string Layer), Tensor> Compute(Vgg19Features vgg, Tensor image, IReadOnlyList<double> scales, IReadOnlyList<string> layers)
    {
        var grams = new Dictionary<(double, string), Tensor>();
        foreach (var scale in scales)
        {
            using var scope = NewDisposeScope();
            var scaled = scale == 1 ? image : Downscaling.Apply(image, scale);
            var features = vgg.call(scaled);
            foreach (var layer in layers)
                grams[(scale, layer)] = Gram.Of(features[layer]).MoveToOuterDisposeScope();
        }
        return grams;
    }

    /// <summary>The smallest image side for which every layer keeps a pixel at the coarsest scale.</summary>
    public static int MinimumSide(Vgg19Features vgg, IReadOnlyList<double> scales, IReadOnlyList<string> layers)
    {
        var coarse = scales.Where(s => s > 1).ToList();
        if (coarse.Count == 0) return layers.Select(Vgg19Layers.IndexOf).Max(Vgg19Layers.Stride);
        return Fingerprint.MinimumSide(vgg, new DsdOptions(layers, coarse));
    }
}
