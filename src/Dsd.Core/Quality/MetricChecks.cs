using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>Input checks and preprocessing every metric shares, with messages the CLI can prefix with the file name.</summary>
public static class MetricChecks
{
    /// <summary>Throws <see cref="DsdException"/> (InvalidInput) unless both are [B,C,H,W] of one shape.</summary>
    public static void SameSize(Tensor distorted, Tensor reference)
    {
        if (distorted.dim() != 4 || reference.dim() != 4)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"expected images [B,C,H,W], got [{string.Join(",", distorted.shape)}] and [{string.Join(",", reference.shape)}]");
        if (!distorted.shape.SequenceEqual(reference.shape))
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"sizes differ: distorted {distorted.shape[3]}×{distorted.shape[2]}, reference {reference.shape[3]}×{reference.shape[2]}");
    }

    /// <summary>The reference of a full-reference metric, checked to exist and to match the distorted image's size.</summary>
    public static Tensor RequireReference(string metric, Tensor distorted, Tensor? reference)
    {
        if (reference is null)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{metric} needs a reference image");
        SameSize(distorted, reference);
        return reference;
    }

    /// <summary>NaN means NaN went in (image or weights): a numerical error, never a score. ±∞ passes (PSNR of identical images).</summary>
    public static double Finite(string metric, double value) =>
        double.IsNaN(value)
            ? throw new DsdException(DsdErrorKind.Numerical, $"{metric} is NaN (NaN in the image or the weights?)")
            : value;

    /// <summary>
    /// Removes <paramref name="shave"/> pixels from every border (BasicSR's <c>crop_border</c>: SR results are
    /// judged without the <c>scale</c>-wide rim that upscalers cannot reconstruct).
    /// </summary>
    public static Tensor Shave(Tensor image, int shave, int minSide = 1)
    {
        if (shave < 0)
            throw new DsdException(DsdErrorKind.InvalidInput, $"border shave must be ≥ 0, got {shave}");
        long h = image.shape[2] - 2L * shave, w = image.shape[3] - 2L * shave;
        if (h < minSide || w < minSide)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"image {image.shape[3]}×{image.shape[2]} is too small for a border shave of {shave} (needs at least {minSide}×{minSide} left)");
        return shave == 0 ? image.alias() : image[.., .., TensorIndex.Slice(shave, shave + h), TensorIndex.Slice(shave, shave + w)];
    }

    /// <summary>
    /// The dtype pixel metrics accumulate in: float64 (SSIM's E[x²] − μ² cancels badly in float32), except on
    /// Apple's MPS, which has no float64.
    /// </summary>
    public static ScalarType Precision(Tensor t) => t.device_type == TorchSharp.DeviceType.MPS ? ScalarType.Float32 : ScalarType.Float64;
}
