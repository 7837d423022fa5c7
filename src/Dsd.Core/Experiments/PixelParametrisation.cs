using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Experiments;

/// <summary>
/// An image optimised through unconstrained logits u with x = sigmoid(u), so every step stays a valid image in (0,1)
/// without clipping (clipping would stop the gradient of saturated pixels for good). The logits start at
/// logit(x₀) with x₀ kept <see cref="Margin"/> inside (0,1): logit(0) is −∞, and the margin (a quarter of a grey
/// level) leaves the starting image unchanged once written as 8 bits. Adam normalises each logit's step, so the small
/// sigmoid slope near 0 and 1 does not freeze dark or bright pixels.
/// </summary>
public sealed class PixelParametrisation : IDisposable
{
    public const double Margin = 1e-3;

    PixelParametrisation(Parameter logits) => Logits = logits;

    /// <summary>The optimised leaf tensor u (requires grad), owned by this object.</summary>
    public Parameter Logits { get; }

    /// <summary>Starts at <paramref name="image"/> ([B,3,H,W] in [0,1], on the device to optimise on).</summary>
    public static PixelParametrisation Of(Tensor image)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = image.detach().to_type(ScalarType.Float32).clamp(Margin, 1 - Margin);
        var u = (x / (1 - x)).log();
        var logits = new Parameter(u.contiguous(), requires_grad: true);
        logits.DetachFromDisposeScope();
        return new PixelParametrisation(logits);
    }

    /// <summary>x = sigmoid(u), with gradients to <see cref="Logits"/>.</summary>
    public Tensor Image() => Logits.sigmoid();

    /// <summary>The current image without gradient history, outside any dispose scope (the caller disposes it).</summary>
    public Tensor Snapshot()
    {
        using var noGrad = no_grad();
        return Logits.sigmoid().detach().DetachFromDisposeScope();
    }

    public void Dispose() => Logits.Dispose();
}
