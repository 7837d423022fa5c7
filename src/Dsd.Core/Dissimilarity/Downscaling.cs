using Dsd.Imaging;
using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>x↓α as the reference code computes it (docs/method.md §1).</summary>
public static class Downscaling
{
    /// <summary>
    /// α = 2 and 4 use the strided fixed-kernel path (output floor(H/α)); any other α &gt; 1 the separable MATLAB
    /// imresize path with scale 1/α (output ceil(H/α)).
    /// </summary>
    public static Tensor Apply(Tensor image, double alpha) => alpha switch
    {
        2 => Imresize.Downscale(image, 2),
        4 => Imresize.Downscale(image, 4),
        > 1 => Imresize.Scale(image, 1 / alpha),
        _ => throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "the downscale factor α must be greater than 1"),
    };

    /// <summary>Side length of x↓α for an input side <paramref name="side"/>.</summary>
    public static int OutputSide(int side, double alpha) =>
        alpha is 2 or 4 ? side / (int)alpha : (int)Math.Ceiling(side / alpha - 1e-9);
}
