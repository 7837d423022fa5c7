using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>The argument and result checks of the full-reference pixel metrics' <see cref="IQualityMetric.Score"/>.</summary>
static class PixelMetric
{
    public static Tensor RequireReference(string name, Tensor distorted, Tensor? reference)
    {
        if (reference is null)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{name} needs a reference image");
        ImagePair.CheckSameSize(distorted, reference);
        return reference;
    }

    /// <summary>NaN means NaN pixels went in (or a bug): a numerical error, never a score.</summary>
    public static double Finish(string name, double value) =>
        double.IsNaN(value) ? throw new DsdException(DsdErrorKind.Numerical, $"{name} is NaN (NaN in the images?)") : value;
}
