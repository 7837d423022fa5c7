using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The structural similarity index (Wang et al. 2004) with its standard constants: an 11×11 Gaussian window of
/// σ = 1.5, C1 = (0.01·L)², C2 = (0.03·L)² for data range L = 1. SSIM is the mean of the per-pixel map over the
/// map and the channels.
/// </summary>
public static class Ssim
{
    /// <summary>The channel choices of <see cref="Compute"/>.</summary>
    public static IReadOnlyList<string> Channels { get; } = ["y", "rgb", "gray"];

    const int WindowSize = 11;
    const double Sigma = 1.5;
    const double C1 = 0.01 * 0.01;
    const double C2 = 0.03 * 0.03;

    /// <summary>
    /// SSIM per image. <paramref name="channels"/>:
    /// <list type="bullet">
    /// <item><c>y</c> — BT.601 luma (<see cref="ColorSpace.RgbToY"/>), the SR-paper convention (BasicSR
    /// <c>calculate_ssim(test_y_channel=True)</c>); default border <see cref="SsimBorder.Valid"/>.</item>
    /// <item><c>rgb</c> — the three channels separately, averaged; default border
    /// <see cref="SsimBorder.ZeroPadded"/>, the reference DSD evaluator's variant.</item>
    /// <item><c>gray</c> — MATLAB <c>rgb2gray</c> rounded to 8 bits, then Wang's MATLAB <c>ssim_index</c>
    /// (no downsampling); default border <see cref="SsimBorder.Valid"/>. This reproduces the "ssim" row of the
    /// IQA-PyTorch calibration table.</item>
    /// </list>
    /// </summary>
    /// <param name="x">Distorted images [B,3,H,W] in [0,1].</param>
    /// <param name="y">Reference images of the same shape.</param>
    /// <param name="channels">"y", "rgb" or "gray" (case-insensitive).</param>
    /// <param name="shave">Pixels removed from every border before filtering (BasicSR's <c>crop_border</c>).</param>
    /// <param name="border">Window border handling; null picks the convention of <paramref name="channels"/>.</param>
    /// <returns>[B] SSIM in float64 (float32 on MPS), on the inputs' device; 1 for identical images.</returns>
    /// <exception cref="DsdException">Unknown channels, shapes differ, or the image is smaller than the window after shaving (InvalidInput).</exception>
    public static Tensor Compute(Tensor x, Tensor y, string channels = "y", int shave = 0, SsimBorder? border = null) =>
        Banded(x, y, channels, shave, border, bandRows: null);

    /// <summary>
    /// Float64 bytes per pixel of a band, per channel: the two converted images, their squares and product, five blurred
    /// maps and the map's temporaries (16), and the 11 unfolded copies a convolution pass makes of its input.
    /// </summary>
    const long BytesPerBandPixel = 8 * (16 + WindowSize);

    /// <summary>
    /// SSIM computed in bands of <paramref name="bandRows"/> output rows (null: as many as <see cref="MemoryBudget.Default"/>
    /// allows), each read with the window's halo, so the result is the whole image's: the map is the same pixel for pixel
    /// and only the order of the final sum differs. A 12 MP pair in one piece needed 14 GB of float64 work tensors.
    /// </summary>
    internal static Tensor Banded(Tensor x, Tensor y, string channels, int shave, SsimBorder? border, long? bandRows)
    {
        MetricChecks.SameSize(x, y);
        var choice = channels.ToLowerInvariant();
        if (!Channels.Contains(choice))
            throw new DsdException(DsdErrorKind.InvalidInput, $"unknown SSIM channels '{channels}' (expected {string.Join(", ", Channels)})");
        var mode = border ?? (choice == "rgb" ? SsimBorder.ZeroPadded : SsimBorder.Valid);

        using var scope = NewDisposeScope();
        var dtype = MetricChecks.Precision(x);
        // A valid map needs at least one whole window. Shaving makes views: nothing is converted before its band.
        var xs = MetricChecks.Shave(x, shave, mode == SsimBorder.Valid ? WindowSize : 1);
        var ys = MetricChecks.Shave(y, shave, mode == SsimBorder.Valid ? WindowSize : 1);
        var (b, c, h, w) = (xs.shape[0], choice == "rgb" ? 3L : 1L, xs.shape[2], xs.shape[3]);
        var halo = WindowSize / 2;
        var mapHeight = mode == SsimBorder.Valid ? h - 2 * halo : h;
        var mapWidth = mode == SsimBorder.Valid ? w - 2 * halo : w;
        var rows = Math.Clamp(bandRows ?? MemoryBudget.Default.Bytes / Math.Max(1, b * c * (w + 2 * halo) * BytesPerBandPixel) - 2 * halo, 1, mapHeight);
        Tensor Convert(Tensor t) => choice switch
        {
            "y" => ColorSpace.RgbToY(t.to_type(dtype)),
            "gray" => ColorSpace.RgbToGray(t.to_type(dtype)),
            _ => t.to_type(dtype),
        };
        if (rows == mapHeight) return Map(Convert(xs), Convert(ys), mode).mean([1, 2, 3]).MoveToOuterDisposeScope();

        var sum = zeros(b, dtype: dtype, device: x.device);
        for (var top = 0L; top < mapHeight; top += rows)
        {
            using var band = NewDisposeScope();
            var n = Math.Min(rows, mapHeight - top);
            Tensor bx, by;
            if (mode == SsimBorder.Valid)
                (bx, by) = (Convert(xs.narrow(2, top, n + 2 * halo)), Convert(ys.narrow(2, top, n + 2 * halo)));
            else
            {
                // Input rows top−5 … top+n+4, the ones outside the image replaced by the zeros 'same' padding gives.
                var (from, to) = (Math.Max(0, top - halo), Math.Min(h, top + n + halo));
                var pad = new long[] { 0, 0, halo - (top - from), halo - (to - (top + n)) };
                (bx, by) = (nn.functional.pad(Convert(xs.narrow(2, from, to - from)), pad), nn.functional.pad(Convert(ys.narrow(2, from, to - from)), pad));
            }
            sum.add_(Map(bx, by, mode, rowsPadded: mode == SsimBorder.ZeroPadded).sum([1, 2, 3]));
        }
        return sum.div_((double)c * mapHeight * mapWidth).MoveToOuterDisposeScope();
    }

    /// <summary>The SSIM map [B,C,H',W'] of two images [B,C,H,W] on a common scale of range 1.</summary>
    /// <remarks>With <paramref name="rowsPadded"/> the band's rows already carry their zero padding: only the columns are padded.</remarks>
    static Tensor Map(Tensor a, Tensor b, SsimBorder border, bool rowsPadded = false)
    {
        var g = Gaussian(a.dtype, a.device);
        var (channels, groups) = (a.shape[1], a.shape[1]);
        var vertical = g.reshape(1, 1, WindowSize, 1).expand(channels, 1, WindowSize, 1).contiguous();
        var horizontal = g.reshape(1, 1, 1, WindowSize).expand(channels, 1, 1, WindowSize).contiguous();
        long padding = border == SsimBorder.ZeroPadded ? WindowSize / 2 : 0;
        // The window is outer(g, g): two 11-tap passes instead of one 121-tap one (CPU convolution unfolds its input once
        // per tap, so the 2-D window needed 121 copies of the image). Zero padding commutes with the split.
        Tensor Blur(Tensor t) => nn.functional.conv2d(
            nn.functional.conv2d(t, vertical, padding: [rowsPadded ? 0 : padding, 0], groups: groups), horizontal, padding: [0, padding], groups: groups);

        var muA = Blur(a);
        var muB = Blur(b);
        var muAA = muA.square();
        var muBB = muB.square();
        var muAB = muA * muB;
        var varA = Blur(a.square()) - muAA;
        var varB = Blur(b.square()) - muBB;
        var cov = Blur(a * b) - muAB;
        return (2 * muAB + C1) * (2 * cov + C2) / ((muAA + muBB + C1) * (varA + varB + C2));
    }

    /// <summary>The 1-D factor g of MATLAB's <c>fspecial('gaussian', 11, 1.5)</c> = outer(g, g).</summary>
    static Tensor Gaussian(ScalarType dtype, Device device)
    {
        var offsets = arange(WindowSize, dtype: dtype, device: device) - WindowSize / 2;
        var g = (-offsets.square() / (2 * Sigma * Sigma)).exp();
        return g / g.sum();
    }
}
