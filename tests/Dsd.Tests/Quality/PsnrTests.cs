using Dsd.Quality;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>PSNR against values known by arithmetic: MSE of a constant offset, identical images, border shave.</summary>
public sealed class PsnrTests
{
    static Tensor Random(int seed, long h = 24, long w = 20)
    {
        using var g = new Generator((ulong)seed);
        return rand(new long[] { 1, 3, h, w }, generator: g);
    }

    [Fact]
    public void Constant_offset_gives_the_psnr_of_its_mse()
    {
        using var scope = NewDisposeScope();
        var x = Random(1) * 0.8;
        // RGB: every pixel off by 0.1 → MSE 0.01 → 20 dB.
        Close.Scalar(20.0, Psnr.Compute(x + 0.1, x, onY: false).item<double>(), rtol: 1e-5, what: "rgb");
        // Y: a grey offset d moves Y by d·219/255 (65.481 + 128.553 + 24.966 = 219).
        Close.Scalar(-20 * Math.Log10(0.1 * 219 / 255), Psnr.Compute(x + 0.1, x).item<double>(), rtol: 1e-5, what: "y");
    }

    [Fact]
    public void Mse_is_over_all_pixels_and_channels()
    {
        using var scope = NewDisposeScope();
        var x = zeros(1, 3, 4, 5);
        var y = x.clone();
        y[0, 1, 2, 3] = tensor(1f); // one wrong value among 60 → MSE 1/60
        Close.Scalar(10 * Math.Log10(60), Psnr.Compute(y, x, onY: false).item<double>(), rtol: 1e-9);
    }

    [Fact]
    public void Identical_images_give_positive_infinity()
    {
        using var scope = NewDisposeScope();
        var x = Random(2);
        Assert.Equal(double.PositiveInfinity, Psnr.Compute(x, x.clone()).item<double>());
        Assert.Equal(double.PositiveInfinity, Psnr.Compute(x, x.clone(), onY: false).item<double>());
    }

    [Fact]
    public void Shave_ignores_a_corrupted_border()
    {
        using var scope = NewDisposeScope();
        var x = Random(3);
        var y = x.clone();
        y[.., .., ..2, ..] = 1 - y[.., .., ..2, ..];
        y[.., .., .., ^2..] = 0;
        Assert.True(double.IsFinite(Psnr.Compute(y, x, shave: 1).item<double>()), "a 1-pixel shave leaves corrupted pixels");
        Assert.Equal(double.PositiveInfinity, Psnr.Compute(y, x, shave: 2).item<double>());
    }

    [Fact]
    public void Batches_give_one_value_per_image()
    {
        using var scope = NewDisposeScope();
        var x = cat([Random(4), Random(5)], 0);
        var y = x.clone();
        y[1] += 0.1;
        var psnr = Psnr.Compute(y, x, onY: false);
        Assert.Equal(new long[] { 2 }, psnr.shape);
        Assert.Equal(double.PositiveInfinity, psnr[0].item<double>());
        Close.Scalar(20.0, psnr[1].item<double>(), rtol: 1e-5);
    }

    [Fact]
    public void Shave_that_leaves_nothing_or_a_size_mismatch_is_invalid_input()
    {
        using var scope = NewDisposeScope();
        var x = Random(6, 8, 8);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Psnr.Compute(x, x, shave: 4)).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Psnr.Compute(x, x, shave: -1)).Kind);
        var e = Assert.Throws<DsdException>(() => Psnr.Compute(x, Random(7, 8, 9)));
        Assert.Equal("sizes differ: distorted 8×8, reference 9×8", e.Message);
    }
}
