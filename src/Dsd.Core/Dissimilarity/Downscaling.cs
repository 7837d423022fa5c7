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

    /// <summary>
    /// x↓α computed in horizontal strips of at most <paramref name="stripBytes"/> of work memory each, for images whose
    /// whole padded copy would not fit: equal to <see cref="Apply"/> (each output row reads only the input rows its
    /// kernel reaches, mirrored at the true borders). The separable path (α other than 2 and 4) runs whole.
    /// No gradients: for inference on large images.
    /// </summary>
    public static Tensor InStrips(Tensor image, double alpha, long stripBytes)
    {
        if (alpha is not (2 or 4)) return Apply(image, alpha);
        var factor = (int)alpha;
        var (h, w) = Imresize.CheckImages(image, factor, $"downscale ×{factor}");
        var (outH, outW) = (h / factor, w / factor);
        // Work per output row: the gathered input rows (α of them, plus padding) twice over (row and column gathers).
        var rowBytes = 2.0 * image.shape[0] * image.shape[1] * (w + 4 * factor) * factor * image.ElementSize;
        var rows = (int)Math.Clamp(stripBytes / rowBytes - 3, 1, outH);
        if (rows >= outH) return Apply(image, alpha);
        using var noGrad = no_grad();
        var result = empty([image.shape[0], image.shape[1], outH, outW], image.dtype, image.device);
        for (var start = 0; start < outH; start += rows)
        {
            using var scope = NewDisposeScope();
            var end = Math.Min(outH, start + rows);
            result.narrow(2, start, end - start).copy_(StridedDownscale.Apply(image, h, w, factor, (start, end)));
        }
        return result;
    }

    /// <summary>Side length of x↓α for an input side <paramref name="side"/>.</summary>
    public static int OutputSide(int side, double alpha) =>
        alpha is 2 or 4 ? side / (int)alpha : (int)Math.Ceiling(side / alpha - 1e-9);
}
