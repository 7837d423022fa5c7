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
    public static Tensor Compute(Tensor x, Tensor y, int shave = 0, bool onY = true) => Banded(x, y, shave, onY, bandRows: null);

    /// <summary>Float64 bytes per pixel and channel of a band: both images converted, their difference and its square.</summary>
    const long BytesPerBandPixel = 8 * 6;

    /// <summary>
    /// PSNR from squared errors summed in bands of <paramref name="bandRows"/> rows (null: as many as
    /// <see cref="MemoryBudget.Default"/> allows), so a 100 MP pair needs no float64 copies of the whole images.
    /// </summary>
    internal static Tensor Banded(Tensor x, Tensor y, int shave, bool onY, long? bandRows)
    {
        MetricChecks.SameSize(x, y);
        using var scope = NewDisposeScope();
        var dtype = MetricChecks.Precision(x);
        var xs = MetricChecks.Shave(x, shave);
        var ys = MetricChecks.Shave(y, shave);
        var (b, c, h, w) = (xs.shape[0], onY ? 1L : 3L, xs.shape[2], xs.shape[3]);
        var rows = Math.Clamp(bandRows ?? MemoryBudget.Default.Bytes / Math.Max(1, b * 3 * w * BytesPerBandPixel), 1, h);
        Tensor Convert(Tensor t) => onY ? ColorSpace.RgbToY(t.to_type(dtype)) : t.to_type(dtype);
        Tensor mse;
        if (rows == h) mse = (Convert(xs) - Convert(ys)).square().mean([1, 2, 3]);
        else
        {
            mse = zeros(b, dtype: dtype, device: x.device);
            for (var top = 0L; top < h; top += rows)
            {
                using var band = NewDisposeScope();
                var n = Math.Min(rows, h - top);
                mse.add_((Convert(xs.narrow(2, top, n)) - Convert(ys.narrow(2, top, n))).square().sum([1, 2, 3]));
            }
            mse.DivInPlace((double)c * h * w);
        }
        // Scalars held across the native call (ScalarArithmetic): `* 10.0` failed once as "Unknown scalar type" under load.
        return mse.reciprocal().log10().MulInPlace(10.0).MoveToOuterDisposeScope();
    }
}
