using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>docs/method.md §2: D_DSD(x, y) = Σ_α Σ_l mean |DSD_α^l(x) − DSD_α^l(y)|. Lower means closer to the reference.</summary>
public static class DsdDistance
{
    /// <summary>Per-image distance [B] between two fingerprints computed with the same options.</summary>
    public static Tensor Between(Fingerprint x, Fingerprint y)
    {
        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var alpha in x.Options.Alphas)
            foreach (var layer in x.Options.Layers)
            {
                var d = (x[alpha, layer] - y[alpha, layer]).abs().mean([1, 2]);
                total = total is null ? d : total + d;
            }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>Per-image distance [B] between two image batches (no gradients).</summary>
    public static Tensor Between(Vgg19Features vgg, Tensor x, Tensor y, DsdOptions options)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var fx = Fingerprint.Compute(vgg, x, options);
        using var fy = Fingerprint.Compute(vgg, y, options);
        return Between(fx, fy).MoveToOuterDisposeScope();
    }
}
