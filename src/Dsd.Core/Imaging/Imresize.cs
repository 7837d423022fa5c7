using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Imaging;

/// <summary>
/// MATLAB-compatible bicubic <c>imresize</c> (cubic a = −0.5, antialiasing when downscaling, symmetric borders)
/// for batches [B,C,H,W]. Everything is built from torch ops, so gradients flow to the input, and every
/// constant is created on the input's device and dtype.
/// </summary>
public static class Imresize
{
    /// <summary>
    /// Resizes to an explicit size on the separable path. The scale per axis is out/in, as MATLAB does when
    /// given an output size.
    /// </summary>
    /// <param name="x">Images [B,C,H,W], floating point.</param>
    /// <param name="outH">Output height, at least 1.</param>
    /// <param name="outW">Output width, at least 1.</param>
    /// <param name="antialias">Widen the kernel by 1/scale when downscaling (MATLAB's default).</param>
    public static Tensor Resize(Tensor x, int outH, int outW, bool antialias = true)
    {
        var (h, w) = CheckImages(x, 1, "resize");
        if (outH < 1 || outW < 1)
            throw new DsdException(DsdErrorKind.InvalidInput, $"resize: output size {outH}×{outW} must be at least 1×1");
        return Separable(x, h, w, outH, outW, (double)outH / h, (double)outW / w, antialias);
    }

    /// <summary>
    /// Resizes by a scale factor on the separable path: output ceil(H·s) × ceil(W·s), and, as in MATLAB
    /// when a scale is given, the weights use <paramref name="scale"/> itself rather than out/in (the two
    /// differ when H·s is not an integer).
    /// </summary>
    /// <remarks>
    /// The output size tolerates floating-point noise (ceil(H·s − 1e-9)), so 30 × 0.1 gives 3, not 4 as
    /// MATLAB's literal ceil(3.0000000000000004) would.
    /// </remarks>
    public static Tensor Scale(Tensor x, double scale, bool antialias = true)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new DsdException(DsdErrorKind.InvalidInput, $"resize: scale {scale} must be a positive finite number");
        var (h, w) = CheckImages(x, 1, "resize");
        var outH = OutputSide(h, scale);
        var outW = OutputSide(w, scale);
        if (outH > MaxSide || outW > MaxSide)
            throw new DsdException(DsdErrorKind.InvalidInput, $"resize: scale {scale} would give {h * scale:F0}×{w * scale:F0}; the maximum side is {MaxSide}");
        return Separable(x, h, w, outH, outW, scale, scale, antialias);
    }

    /// <summary>
    /// The reference code's integer-factor downscale x↓α: a fixed 4α × 4α kernel (outer product of
    /// <c>4α</c> cubic taps sampled at the antialiased positions, normalised) applied with stride α after
    /// symmetric padding of 1.5α per side (edge repeated). Output floor(H/α) × floor(W/α).
    /// </summary>
    /// <param name="x">Images [B,C,H,W], floating point, with H and W at least α.</param>
    /// <param name="factor">α: 2 or 4 (any even factor works; 1.5α padding needs α even).</param>
    public static Tensor Downscale(Tensor x, int factor)
    {
        if (factor < 2 || factor % 2 != 0)
            throw new DsdException(DsdErrorKind.InvalidInput, $"downscale: factor {factor} must be an even integer ≥ 2 (2 or 4)");
        var (h, w) = CheckImages(x, factor, $"downscale ×{factor}");
        return StridedDownscale.Apply(x, h, w, factor);
    }

    /// <summary>Largest output side accepted by <see cref="Scale"/>: guards against int overflow from absurd scales.</summary>
    public const int MaxSide = 1 << 20;

    internal static int OutputSide(int side, double scale) => (int)Math.Clamp(Math.Ceiling(side * scale - 1e-9), 1, MaxSide + 1.0);

    static Tensor Separable(Tensor x, int h, int w, int outH, int outW, double scaleH, double scaleW, bool antialias)
    {
        using var scope = NewDisposeScope();
        var y = x;
        if (outH != h || scaleH != 1) y = ResizeAxis(y, 2, outH, scaleH, antialias);
        // Columns go through the row code on the transpose: gathering whole contiguous rows is several
        // times faster than gathering single elements along the last axis.
        if (outW != w || scaleW != 1) y = ResizeAxis(y.transpose(2, 3).contiguous(), 2, outW, scaleW, antialias).transpose(2, 3).contiguous();
        // Identity resize returns a new tensor too, so callers may dispose the result freely.
        if (ReferenceEquals(y, x)) y = x.alias();
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One axis as a sum over taps of (gathered input × per-output weight): O(out · taps) work per line and
    /// O(out) extra memory per tap, unlike a dense [out, in] matrix or one gather of all taps at once.
    /// Differentiable: index_select's gradient is a scatter-add.
    /// </summary>
    static Tensor ResizeAxis(Tensor x, int dim, int outLength, double scale, bool antialias)
    {
        var c = CubicKernel.Contributions((int)x.shape[dim], outLength, scale, antialias);
        var index = torch.tensor(c.Index, new long[] { outLength, c.Taps }, device: x.device);
        var weights = torch.tensor(c.Weights, new long[] { outLength, c.Taps }).to(x.dtype, x.device);
        // Weights broadcast along the output axis: [out,1] for rows, [out] for columns.
        var shape = dim == 2 ? new long[] { outLength, 1 } : new long[] { outLength };
        Tensor? sum = null;
        for (var j = 0; j < c.Taps; j++)
        {
            var term = x.index_select(dim, index[.., j]) * weights[.., j].view(shape);
            sum = sum is null ? term : sum.add_(term);
        }
        return sum!;
    }

    /// <summary>Validates [B,C,H,W] floating input with H, W ≥ <paramref name="minSide"/>; returns (H, W).</summary>
    internal static (int H, int W) CheckImages(Tensor x, int minSide, string what)
    {
        if (x.dim() != 4)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{what}: expected images [B,C,H,W], got shape [{string.Join(',', x.shape)}]");
        if (!x.is_floating_point())
            throw new DsdException(DsdErrorKind.InvalidInput, $"{what}: expected floating-point images, got {x.dtype}");
        var h = (int)x.shape[2];
        var w = (int)x.shape[3];
        if (h < minSide || w < minSide)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{what}: image {h}×{w} is too small; the minimum is {minSide}×{minSide}");
        return (h, w);
    }
}
