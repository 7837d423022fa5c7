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
    public static Tensor Compute(Tensor x, Tensor y, string channels = "y", int shave = 0, SsimBorder? border = null)
    {
        MetricChecks.SameSize(x, y);
        var choice = channels.ToLowerInvariant();
        if (!Channels.Contains(choice))
            throw new DsdException(DsdErrorKind.InvalidInput, $"unknown SSIM channels '{channels}' (expected {string.Join(", ", Channels)})");
        var mode = border ?? (choice == "rgb" ? SsimBorder.ZeroPadded : SsimBorder.Valid);

        using var scope = NewDisposeScope();
        var dtype = MetricChecks.Precision(x);
        var (a, b) = choice switch
        {
            "y" => (ColorSpace.RgbToY(x.to_type(dtype)), ColorSpace.RgbToY(y.to_type(dtype))),
            "gray" => (ColorSpace.RgbToGray(x.to_type(dtype)), ColorSpace.RgbToGray(y.to_type(dtype))),
            _ => (x.to_type(dtype), y.to_type(dtype)),
        };
        // A valid map needs at least one whole window.
        a = MetricChecks.Shave(a, shave, mode == SsimBorder.Valid ? WindowSize : 1);
        b = MetricChecks.Shave(b, shave, mode == SsimBorder.Valid ? WindowSize : 1);
        return Map(a, b, mode).mean([1, 2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>The SSIM map [B,C,H',W'] of two images [B,C,H,W] on a common scale of range 1.</summary>
    static Tensor Map(Tensor a, Tensor b, SsimBorder border)
    {
        var window = Window(a.shape[1], a.dtype, a.device);
        long padding = border == SsimBorder.ZeroPadded ? WindowSize / 2 : 0;
        var groups = a.shape[1];
        Tensor Blur(Tensor t) => nn.functional.conv2d(t, window, padding: [padding, padding], groups: groups);

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

    /// <summary>MATLAB's <c>fspecial('gaussian', 11, 1.5)</c> as a depthwise kernel [C,1,11,11].</summary>
    static Tensor Window(long channels, ScalarType dtype, Device device)
    {
        var offsets = arange(WindowSize, dtype: dtype, device: device) - WindowSize / 2;
        var g = (-offsets.square() / (2 * Sigma * Sigma)).exp();
        g /= g.sum();
        return outer(g, g).expand(channels, 1, WindowSize, WindowSize).contiguous();
    }
}
