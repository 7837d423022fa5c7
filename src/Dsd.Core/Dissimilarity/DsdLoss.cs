using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>
/// D_DSD as a training loss (docs/method.md §2, §5): gradients flow through the input and its downscaled copy; the target
/// side carries none. Compute a target's fingerprint once with <see cref="Target"/> when it is reused.
/// </summary>
public sealed class DsdLoss(Vgg19Features vgg, DsdOptions? options = null)
{
    public DsdOptions Options { get; } = options ?? DsdOptions.RestorationLoss;

    public Vgg19Features Vgg { get; } = vgg;

    /// <summary>The target's fingerprint without gradients, outside any dispose scope; the caller owns (disposes) it.</summary>
    public Fingerprint Target(Tensor target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var print = Fingerprint.Compute(Vgg, target, Options);
        return print.Detach();
    }

    /// <summary>Mean over the batch of D_DSD(input, target).</summary>
    public Tensor Forward(Tensor input, Tensor target)
    {
        using var targetPrint = Target(target);
        return Forward(input, targetPrint);
    }

    /// <summary>Mean over the batch of D_DSD(input, target) against a precomputed target fingerprint.</summary>
    public Tensor Forward(Tensor input, Fingerprint target)
    {
        using var scope = NewDisposeScope();
        using var inputPrint = Fingerprint.Compute(Vgg, input, Options);
        return DsdDistance.Between(inputPrint, target).mean().MoveToOuterDisposeScope();
    }
}
