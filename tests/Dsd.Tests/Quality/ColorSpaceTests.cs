using Dsd.Quality;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>BT.601 limited-range luma and MATLAB grey: exact values at the ends of the range.</summary>
public sealed class ColorSpaceTests
{
    [Fact]
    public void Y_of_white_is_235_and_of_black_is_16_over_255()
    {
        using var scope = NewDisposeScope();
        var y = ColorSpace.RgbToY(cat([ones(1, 3, 2, 2), zeros(1, 3, 2, 2)], 0));
        Assert.Equal(new long[] { 2, 1, 2, 2 }, y.shape);
        Close.Scalar(235.0 / 255.0, y[0].max().item<float>(), rtol: 1e-6, what: "white");
        Close.Scalar(235.0 / 255.0, y[0].min().item<float>(), rtol: 1e-6, what: "white");
        Close.Scalar(16.0 / 255.0, y[1].max().item<float>(), rtol: 1e-6, what: "black");
    }

    [Fact]
    public void Y_weights_the_channels_as_BT601()
    {
        using var scope = NewDisposeScope();
        var red = tensor(new[] { 1.0, 0.0, 0.0 }).reshape(1, 3, 1, 1);
        Close.Scalar((65.481 + 16) / 255, ColorSpace.RgbToY(red).item<double>(), rtol: 1e-12);
    }

    [Fact]
    public void Gray_is_rounded_to_8_bits_like_matlab_rgb2gray()
    {
        using var scope = NewDisposeScope();
        // 0.298936·100 + 0.587043·50 + 0.114021·200 = 82.0 after rounding (81.98… unrounded).
        var rgb = tensor(new[] { 100.0, 50.0, 200.0 }).reshape(1, 3, 1, 1) / 255.0;
        Assert.Equal(82.0, Math.Round(ColorSpace.RgbToGray(rgb).item<double>() * 255, 9));
        Close.Scalar(0.298936021293775 * 100 + 0.587043074451121 * 50 + 0.114020904255103 * 200,
            ColorSpace.RgbToGray(rgb, roundTo8Bit: false).item<double>() * 255, rtol: 1e-12);
        Close.Scalar(1.0, ColorSpace.RgbToGray(ones(1, 3, 1, 1, dtype: ScalarType.Float64)).item<double>(), rtol: 1e-12);
    }

    [Fact]
    public void Non_rgb_input_is_rejected()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<DsdException>(() => ColorSpace.RgbToY(ones(1, 1, 4, 4)));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
    }
}
