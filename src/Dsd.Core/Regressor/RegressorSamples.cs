using TorchSharp;
using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Networks;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// One training example of psi (docs/method.md §3): a random full-resolution crop x of side crop·α (random position, random
/// horizontal flip, 8-bit dequantisation noise (x·255 + U(0,1))/256), psi's input x↓α of side crop, and the targets
/// ‖DSD_α^l(x)‖₁ for l = <see cref="NoReferenceRegressor.Layers"/>. Because the flip and noise are applied to x before
/// both the downscaling and the fingerprint, the targets belong exactly to the pixels psi sees.
/// </summary>
public static class RegressorSamples
{
    /// <summary>
    /// The noisy, possibly flipped full-resolution crop [3,S,S] (S = <paramref name="side"/>) of image
    /// <paramref name="image"/>, with position, flip and noise drawn from <paramref name="random"/>.
    /// </summary>
    public static Tensor Crop(Tensor image, int side, ref SplitMix64 random)
    {
        var (h, w) = ((int)image.shape[1], (int)image.shape[2]);
        var y = random.NextInt(h - side + 1);
        var x = random.NextInt(w - side + 1);
        var flip = random.NextFloat() >= 0.5f;
        var noise = new float[3 * side * side];
        for (var i = 0; i < noise.Length; i++) noise[i] = random.NextFloat();
        using var scope = NewDisposeScope();
        var crop = image.narrow(1, y, side).narrow(2, x, side).to_type(ScalarType.Float32);
        if (flip) crop = crop.flip(2);
        // image holds byte values v = 255·x, so (x·255 + u)/256 = (v + u)/256.
        // Scalars held explicitly until the ops return (see ScalarArithmetic).
        using var one = 1.ToScalar();
        var result = crop.add_(tensor(noise).view(3, side, side), one).DivInPlace(256);
        GC.KeepAlive(one);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// psi's inputs and targets for full-resolution crops [B,3,S,S]: (x↓α [B,3,S/α,S/α], ‖DSD_α^l(x)‖₁ [B,4]), both
    /// on <paramref name="vgg"/>'s device, without gradients. Computed in chunks of <paramref name="chunk"/> to bound memory.
    /// </summary>
    public static (Tensor Inputs, Tensor Targets) InputsAndTargets(Vgg19Features vgg, Tensor crops, double alpha, int chunk = 8)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad(); // not inference_mode: psi trains on these tensors
        var options = new DsdOptions(NoReferenceRegressor.Layers, [alpha]);
        var inputs = new List<Tensor>();
        var targets = new List<Tensor>();
        for (long start = 0; start < crops.shape[0]; start += chunk)
        {
            var part = crops.narrow(0, start, Math.Min(chunk, crops.shape[0] - start)).to(vgg.Device);
            inputs.Add(Downscaling.Apply(part, alpha));
            using var print = Fingerprint.Compute(vgg, part, options);
            targets.Add(stack(NoReferenceRegressor.Layers.Select(l => print.MeanAbs(alpha, l)).ToArray(), 1));
        }
        var result = (cat(inputs, 0), cat(targets, 0));
        if (!torch.isfinite(result.Item2).all().item<bool>())
            throw new DsdException(DsdErrorKind.Numerical, "the DSD targets contain NaN or infinity");
        return (result.Item1.MoveToOuterDisposeScope(), result.Item2.MoveToOuterDisposeScope());
    }
}
