using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// PSNR (<see cref="Psnr"/>) as a metric: "psnr-y" on BT.601 luma (the SR-paper convention) or "psnr-rgb" on
/// all three channels. Identical images score +∞, which is a valid result, not an error.
/// </summary>
public sealed class PsnrMetric : IQualityMetric
{
    /// <param name="onY">Luma ("psnr-y") rather than RGB ("psnr-rgb").</param>
    /// <param name="shave">Pixels removed from every border (the SR scale factor, by convention).</param>
    /// <exception cref="DsdException">Negative <paramref name="shave"/> (InvalidInput).</exception>
    public PsnrMetric(bool onY = true, int shave = 0)
    {
        if (shave < 0) throw new DsdException(DsdErrorKind.InvalidInput, $"border shave must be ≥ 0, got {shave}");
        (OnY, Shave) = (onY, shave);
    }

    /// <summary>Whether PSNR is taken on BT.601 luma.</summary>
    public bool OnY { get; }

    /// <summary>Pixels removed from every border before comparing.</summary>
    public int Shave { get; }

    /// <summary>The catalogue name, for error messages.</summary>
    string Name => OnY ? "psnr-y" : "psnr-rgb";

    /// <returns>PSNR in dB; <see cref="double.PositiveInfinity"/> for identical images.</returns>
    /// <exception cref="DsdException">No reference or sizes differ (InvalidInput); NaN or infinite pixels (Numerical).</exception>
    public double Score(Tensor distorted, Tensor? reference)
    {
        var r = MetricChecks.RequireReference(Name, distorted, reference);
        using var scope = NewDisposeScope();
        var value = MetricChecks.Finite(Name, Psnr.Compute(distorted, r, Shave, OnY).item<double>());
        // +∞ is a perfect match; −∞ (infinite MSE) can only come from infinite pixels.
        if (double.IsNegativeInfinity(value))
            throw new DsdException(DsdErrorKind.Numerical, $"{Name} is −∞ (infinity in the images)");
        return value;
    }
}
