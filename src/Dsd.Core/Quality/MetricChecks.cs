using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>Input and output checks every metric shares, with messages the CLI can prefix with the file name.</summary>
public static class MetricChecks
{
    public static void SameSize(Tensor distorted, Tensor reference)
    {
        if (!distorted.shape.SequenceEqual(reference.shape))
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"sizes differ: distorted {distorted.shape[^1]}×{distorted.shape[^2]}, reference {reference.shape[^1]}×{reference.shape[^2]}");
    }

    public static double Finite(string metric, double value) =>
        double.IsNaN(value)
            ? throw new DsdException(DsdErrorKind.Numerical, $"{metric} is NaN (NaN in the image or the weights?)")
            : value;
}
