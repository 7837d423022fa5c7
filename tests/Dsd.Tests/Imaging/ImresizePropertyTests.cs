using Dsd.Imaging;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Imaging;

/// <summary>Mathematical properties of imresize: gradients, constants, sizes, and errors.</summary>
public class ImresizePropertyTests
{
    public static TheoryData<string> Ops() => new() { "down2", "down4", "resize-down", "resize-up", "scale-0.6" };

    static Tensor Apply(string op, Tensor x) => op switch
    {
        "down2" => Imresize.Downscale(x, 2),
        "down4" => Imresize.Downscale(x, 4),
        "resize-down" => Imresize.Resize(x, 3, 4),
        "resize-up" => Imresize.Resize(x, 11, 13),
        "scale-0.6" => Imresize.Scale(x, 0.6),
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(Ops))]
    public void Backward_gives_nonzero_gradient_of_input_shape(string op)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var x = rand(2, 3, 9, 10).requires_grad_(true);
        Apply(op, x).sum().backward();
        Assert.NotNull(x.grad);
        Assert.Equal(x.shape, x.grad!.shape);
        Assert.True(x.grad.abs().sum().item<float>() > 0);
    }

    /// <summary>Analytic gradient of ⟨r, f(x)⟩ against central differences, in float64 on a tiny input.</summary>
    [Theory]
    [MemberData(nameof(Ops))]
    public void Gradient_matches_finite_differences(string op)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var x = rand(new long[] { 1, 1, 8, 9 }, dtype: ScalarType.Float64).requires_grad_(true);
        var r = rand_like(Apply(op, x.detach()));
        (Apply(op, x) * r).sum().backward();
        var analytic = x.grad!.clone();

        const double eps = 1e-6;
        var numeric = zeros_like(analytic);
        var flat = x.detach().clone().flatten();
        for (var i = 0; i < flat.shape[0]; i++)
        {
            var plus = flat.clone(); plus[i] += eps;
            var minus = flat.clone(); minus[i] -= eps;
            var fp = (Apply(op, plus.view(x.shape)) * r).sum().item<double>();
            var fm = (Apply(op, minus.view(x.shape)) * r).sum().item<double>();
            numeric.view(-1)[i] = (fp - fm) / (2 * eps);
        }
        Close.Gradient(numeric, analytic, rtol: 1e-6, what: op);
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void Constant_image_stays_constant(string op)
    {
        using var scope = NewDisposeScope();
        var x = full(new long[] { 1, 3, 17, 19 }, 0.37f);
        var y = Apply(op, x);
        Close.Tensor(full_like(y, 0.37f), y, rtol: 0, atol: 1e-6, what: op);
    }

    [Fact]
    public void Upscale_by_4_of_a_linear_ramp_is_the_ramp_in_the_interior()
    {
        // Keys' cubic reproduces linear functions: output column o samples input position (o + 1)/4 + 3/8 (1-based),
        // i.e. (o − 1.5)/4 in 0-based columns; away from the mirrored borders the ramp comes back exactly.
        using var scope = NewDisposeScope();
        var x = arange(16, dtype: ScalarType.Float32).view(1, 1, 1, 16).expand(1, 3, 5, 16).contiguous();
        var y = Imresize.Scale(x, 4, antialias: false);
        Assert.Equal(new long[] { 1, 3, 20, 64 }, y.shape);
        var interior = y.narrow(3, 8, 48);
        var expected = (arange(8, 56, dtype: ScalarType.Float32) - 1.5f).div(4f).view(1, 1, 1, 48).expand_as(interior);
        Close.Tensor(expected, interior, rtol: 0, atol: 1e-5, what: "ramp ×4");
    }

    [Theory]
    [InlineData(33, 47, 2, 16, 23)]
    [InlineData(17, 9, 2, 8, 4)]
    [InlineData(17, 9, 4, 4, 2)]
    [InlineData(4, 4, 4, 1, 1)]
    [InlineData(2, 3, 2, 1, 1)]
    public void Downscale_output_is_floor(int h, int w, int factor, int outH, int outW)
    {
        using var y = Imresize.Downscale(zeros(1, 3, h, w), factor);
        Assert.Equal(new long[] { 1, 3, outH, outW }, y.shape);
    }

    [Theory]
    [InlineData(33, 47, 0.5, 17, 24)]
    [InlineData(30, 20, 0.1, 3, 2)]
    [InlineData(5, 7, 2.5, 13, 18)]
    public void Scale_output_is_ceil(int h, int w, double scale, int outH, int outW)
    {
        using var y = Imresize.Scale(zeros(1, 1, h, w), scale);
        Assert.Equal(new long[] { 1, 1, outH, outW }, y.shape);
    }

    /// <summary>For sizes divisible by α, the separable path at scale 1/α equals the strided path (and the golden data).</summary>
    [Theory]
    [InlineData("resize/0", 0.5, "0.5")]
    [InlineData("resize/0", 0.25, "0.25")]
    [InlineData("resize/2", 0.5, "0.5")]
    [InlineData("resize/2", 0.25, "0.25")]
    public void Scale_agrees_with_strided_golden_when_divisible(string name, double scale, string suffix)
    {
        var golden = GoldenSet.Random;
        using var y = Imresize.Scale(golden[$"{name}/input"], scale);
        Close.Tensor(golden[$"{name}/scale_{suffix}"], y, rtol: 0, atol: 1e-5, what: $"{name} scale {scale}");
    }

    /// <summary>MATLAB's contributions(): normalised rows, no all-zero tap column left, indices in range.</summary>
    [Theory]
    [InlineData(16, 64)]  // upscaling: of 6 candidate taps the outer two are always zero → 4 remain
    [InlineData(64, 21)]  // antialiased downscaling: at most ceil(4·64/21) + 2 = 15 taps
    [InlineData(3, 1)]    // taps overhang a tiny input on both sides and fold back
    public void Contributions_are_normalised_and_trimmed(int inLength, int outLength)
    {
        var scale = (double)outLength / inLength;
        var c = CubicKernel.Contributions(inLength, outLength, scale, antialias: true);
        Assert.InRange(c.Taps, 1, (int)Math.Ceiling(4 / Math.Min(scale, 1)) + 2);
        if (scale > 1) Assert.Equal(4, c.Taps);
        for (var o = 0; o < outLength; o++)
            Assert.Equal(1.0, c.Weights.Skip(o * c.Taps).Take(c.Taps).Sum(), 12);
        for (var j = 0; j < c.Taps; j++)
            Assert.Contains(Enumerable.Range(0, outLength), o => c.Weights[o * c.Taps + j] != 0);
        Assert.All(c.Index, i => Assert.InRange(i, 0, inLength - 1));
    }

    /// <summary>
    /// Scale uses the given scale for the weights (MATLAB), not out/in: on 33×47 at 0.5 the output is 17×24 and
    /// its first 16×23 samples sit exactly where the strided ×2 path samples; Resize to 17×24 (scale 17/33) does not.
    /// </summary>
    [Fact]
    public void Scale_weights_use_the_given_scale_not_out_over_in()
    {
        var golden = GoldenSet.Random;
        var x = golden["resize/1/input"];
        var expected = golden["resize/1/scale_0.5"];
        using var scaled = Imresize.Scale(x, 0.5);
        Assert.Equal(new long[] { 1, 3, 17, 24 }, scaled.shape);
        Close.Tensor(expected, scaled[.., .., ..16, ..23], rtol: 0, atol: 1e-5, what: "Scale 0.5 vs strided");
        using var sized = Imresize.Resize(x, 17, 24);
        Assert.True((sized[.., .., ..16, ..23] - expected).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void Tiny_input_beyond_padding_still_works()
    {
        // 2×3 at α = 2 needs 3 pixels of padding per side: more than the image, folded by the mirror rule.
        using var y = Imresize.Downscale(ones(1, 1, 2, 3), 2);
        Close.Tensor(ones(1, 1, 1, 1), y, rtol: 0, atol: 1e-6);
    }

    [Theory]
    [InlineData(1, 8, 2)]
    [InlineData(8, 3, 4)]
    public void Downscale_rejects_too_small_input_stating_minimum(int h, int w, int factor)
    {
        var e = Assert.Throws<DsdException>(() => Imresize.Downscale(zeros(1, 3, h, w), factor));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains($"minimum is {factor}×{factor}", e.Message);
    }

    [Fact]
    public void Bad_arguments_are_invalid_input()
    {
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Imresize.Downscale(zeros(1, 3, 8, 8), 3)).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Imresize.Scale(zeros(1, 3, 8, 8), 0)).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Imresize.Resize(zeros(1, 3, 8, 8), 0, 4)).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Imresize.Resize(zeros(3, 8, 8), 4, 4)).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Imresize.Scale(zeros(1, 3, 8, 8), 1e12)).Kind);
    }

    [Fact]
    public void Result_keeps_dtype_and_device()
    {
        using var x = zeros(new long[] { 1, 2, 8, 8 }, dtype: ScalarType.Float64);
        using var y = Imresize.Downscale(x, 2);
        using var z = Imresize.Resize(x, 5, 5);
        Assert.Equal(ScalarType.Float64, y.dtype);
        Assert.Equal(ScalarType.Float64, z.dtype);
        Assert.Equal(x.device.ToString(), y.device.ToString());
    }
}
