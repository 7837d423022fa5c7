using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// SSIM (<see cref="Ssim"/>) as the metric "ssim", on luma ("y", default), RGB ("rgb") or MATLAB grey ("gray"),
/// each with the window border of its convention.
/// </summary>
public sealed class SsimMetric : IQualityMetric
{
    /// <param name="channels">"y", "rgb" or "gray" (see <see cref="Ssim.Compute"/>).</param>
    /// <param name="shave">Pixels removed from every border (the SR scale factor, by convention).</param>
    /// <exception cref="DsdException">Unknown channels or negative shave (InvalidInput).</exception>
    public SsimMetric(string channels = "y", int shave = 0)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (!Ssim.Channels.Contains(channels.ToLowerInvariant()))
            throw new DsdException(DsdErrorKind.InvalidInput, $"unknown SSIM channels '{channels}' (expected {string.Join(", ", Ssim.Channels)})");
        if (shave < 0) throw new DsdException(DsdErrorKind.InvalidInput, $"border shave must be ≥ 0, got {shave}");
        (Channels, Shave) = (channels.ToLowerInvariant(), shave);
    }

    /// <summary>The channels SSIM is computed on: "y", "rgb" or "gray".</summary>
    public string Channels { get; }

    /// <summary>Pixels removed from every border before filtering.</summary>
    public int Shave { get; }

    /// <summary>The catalogue name, for error messages.</summary>
    string Name => "ssim";

    /// <returns>SSIM, at most 1 (identical images).</returns>
    /// <exception cref="DsdException">No reference, sizes differ or image too small (InvalidInput); NaN result (Numerical).</exception>
    public double Score(Tensor distorted, Tensor? reference)
    {
        var r = MetricChecks.RequireReference(Name, distorted, reference);
        using var scope = NewDisposeScope();
        var value = MetricChecks.Finite(Name, Ssim.Compute(distorted, r, Channels, Shave).item<double>());
        // SSIM is bounded; infinity can only come from non-finite pixels.
        if (double.IsInfinity(value))
            throw new DsdException(DsdErrorKind.Numerical, "ssim is not finite (infinity in the images)");
        return value;
    }
}
