using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>Colour conversions that image-quality metrics are conventionally computed on.</summary>
public static class ColorSpace
{
    /// <summary>
    /// The luma Y of BT.601 in limited ("studio") range, as super-resolution papers report PSNR/SSIM on
    /// (MATLAB <c>rgb2ycbcr</c>, BasicSR, pyiqa): Y = (65.481 R + 128.553 G + 24.966 B + 16) / 255 for RGB in
    /// [0,1], so black → 16/255 and white → 235/255. No rounding to 8 bits (BasicSR's convention).
    /// </summary>
    /// <param name="rgb">[B,3,H,W] in [0,1], any floating dtype and device.</param>
    /// <returns>[B,1,H,W] of the input's dtype.</returns>
    public static Tensor RgbToY(Tensor rgb) => Weighted(rgb, 65.481, 128.553, 24.966, 16.0, 255.0);

    /// <summary>
    /// MATLAB's <c>rgb2gray</c>: 0.298936 R + 0.587043 G + 0.114021 B (the rounded inverse of its NTSC matrix).
    /// For 8-bit input MATLAB rounds the result to integers; <paramref name="roundTo8Bit"/> does the same on
    /// the 0..255 scale, which the calibrated MATLAB SSIM of <see cref="Ssim"/>'s "gray" channel needs.
    /// </summary>
    /// <param name="rgb">[B,3,H,W] in [0,1].</param>
    /// <param name="roundTo8Bit">Round to multiples of 1/255 as MATLAB does for uint8 images.</param>
    /// <returns>[B,1,H,W] in [0,1].</returns>
    public static Tensor RgbToGray(Tensor rgb, bool roundTo8Bit = true)
    {
        using var scope = NewDisposeScope();
        var gray = Weighted(rgb, 0.298936021293775, 0.587043074451121, 0.114020904255103, 0.0, 1.0);
        // MATLAB's round is half away from zero; values are non-negative so floor(v + 0.5) is the same.
        if (roundTo8Bit) gray = (gray * 255.0 + 0.5).floor_() / 255.0;
        return gray.MoveToOuterDisposeScope();
    }

    static Tensor Weighted(Tensor rgb, double r, double g, double b, double offset, double divisor)
    {
        if (rgb.dim() != 4 || rgb.shape[1] != 3)
            throw new DsdException(DsdErrorKind.InvalidInput, $"expected an RGB image [B,3,H,W], got [{string.Join(",", rgb.shape)}]");
        using var scope = NewDisposeScope();
        var channels = rgb.unbind(1);
        var y = (channels[0] * r + channels[1] * g + channels[2] * b + offset) / divisor;
        return y.unsqueeze(1).MoveToOuterDisposeScope();
    }
}
