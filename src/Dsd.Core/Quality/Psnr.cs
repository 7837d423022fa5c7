using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>Peak signal-to-noise ratio for images in [0,1] (peak 1).</summary>
public static class Psnr
{
    /// <summary>
    /// PSNR = 10·log10(1 / MSE) per image, in dB, with the MSE over all pixels (and channels) left after
    /// shaving. Identical images give +∞ (MSE 0); callers that print it should say so, it is not an error.
    /// With <paramref name="onY"/> = false this equals skimage's <c>peak_signal_noise_ratio</c> on the 8-bit
    /// RGB images (data range 255), which the IQA calibration table reports as "psnr".
    /// </summary>
    /// <param name="x">Distorted images [B,3,H,W] in [0,1].</param>
    /// <param name="y">Reference images of the same shape.</param>
    /// <param name="shave">Pixels removed from every border first (the SR scale factor, by convention).</param>
    /// <param name="onY">Compare the BT.601 luma (<see cref="ColorSpace.RgbToY"/>) instead of all RGB channels.</param>
    /// <returns>[B] float64 (float32 on MPS) PSNR in dB, on the inputs' device.</returns>
    /// <exception cref="DsdException">Shapes differ, are not [B,3,H,W], or the shave leaves nothing (InvalidInput).</exception>
    public static Tensor Compute(Tensor x, Tensor y, int shave = 0, bool onY = true)
    {
        MetricChecks.SameSize(x, y);
        using var scope = NewDisposeScope();
        var dtype = MetricChecks.Precision(x);
        var a = x.to_type(dtype);
        var b = y.to_type(dtype);
        if (onY) (a, b) = (ColorSpace.RgbToY(a), ColorSpace.RgbToY(b));
        a = MetricChecks.Shave(a, shave);
        b = MetricChecks.Shave(b, shave);
        var mse = (a - b).square().mean([1, 2, 3]);
        return (mse.reciprocal().log10() * 10.0).MoveToOuterDisposeScope();
    }
}
