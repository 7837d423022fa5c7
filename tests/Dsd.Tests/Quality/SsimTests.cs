using Dsd.Quality;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>SSIM's defining properties: 1 for identical images, below 1 and falling with distortion, symmetric, shave.</summary>
public sealed class SsimTests
{
    static Tensor Random(int seed, long h = 32, long w = 28)
    {
        using var g = new Generator((ulong)seed);
        // Smooth-ish content: SSIM of pure noise says little about structure.
        var coarse = rand(new long[] { 1, 3, h / 4, w / 4 }, generator: g);
        return nn.functional.interpolate(coarse, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    static Tensor Noise(Tensor like, double sigma, int seed)
    {
        using var g = new Generator((ulong)seed);
        return (like + randn(like.shape, generator: g) * sigma).clamp(0, 1);
    }

    public static TheoryData<string, SsimBorder> Conventions => new()
    {
        { "y", SsimBorder.Valid }, { "y", SsimBorder.ZeroPadded },
        { "rgb", SsimBorder.Valid }, { "rgb", SsimBorder.ZeroPadded },
        { "gray", SsimBorder.Valid }, { "gray", SsimBorder.ZeroPadded },
    };

    [Theory]
    [MemberData(nameof(Conventions))]
    public void Identical_images_give_exactly_one(string channels, SsimBorder border)
    {
        using var scope = NewDisposeScope();
        var x = Random(1);
        Assert.Equal(1.0, Ssim.Compute(x, x.clone(), channels, border: border).item<double>());
    }

    [Theory]
    [MemberData(nameof(Conventions))]
    public void Falls_below_one_and_decreases_with_noise(string channels, SsimBorder border)
    {
        using var scope = NewDisposeScope();
        var x = Random(2) * 0.8 + 0.1;
        Assert.True(Ssim.Compute((x + 0.05), x, channels, border: border).item<double>() < 1, "constant shift");
        var previous = 1.0;
        foreach (var sigma in new[] { 0.02, 0.05, 0.1, 0.2 })
        {
            var s = Ssim.Compute(Noise(x, sigma, 3), x, channels, border: border).item<double>();
            Assert.True(s < previous, $"σ = {sigma}: SSIM {s} not below {previous}");
            previous = s;
        }
    }

    [Fact]
    public void Is_symmetric()
    {
        using var scope = NewDisposeScope();
        var x = Random(4);
        var y = Noise(x, 0.05, 5);
        Close.Scalar(Ssim.Compute(x, y).item<double>(), Ssim.Compute(y, x).item<double>(), rtol: 1e-12);
    }

    [Fact]
    public void Default_border_follows_the_channels_convention()
    {
        using var scope = NewDisposeScope();
        var x = Random(6);
        var y = Noise(x, 0.05, 7);
        Assert.Equal(Ssim.Compute(x, y, "y", border: SsimBorder.Valid).item<double>(), Ssim.Compute(x, y, "y").item<double>());
        Assert.Equal(Ssim.Compute(x, y, "gray", border: SsimBorder.Valid).item<double>(), Ssim.Compute(x, y, "GRAY").item<double>());
        Assert.Equal(Ssim.Compute(x, y, "rgb", border: SsimBorder.ZeroPadded).item<double>(), Ssim.Compute(x, y, "rgb").item<double>());
    }

    [Fact]
    public void Shave_crops_before_filtering()
    {
        using var scope = NewDisposeScope();
        var x = Random(8);
        var y = x.clone();
        y[.., .., ..3, ..] = 0;
        Assert.True(Ssim.Compute(y, x, shave: 2).item<double>() < 1);
        Assert.Equal(1.0, Ssim.Compute(y, x, shave: 3).item<double>());
        // Same as cropping by hand.
        var crop = (Tensor t) => t[.., .., 3..^3, 3..^3];
        var z = Noise(x, 0.1, 9);
        Close.Scalar(Ssim.Compute(crop(z), crop(x), "rgb").item<double>(), Ssim.Compute(z, x, "rgb", shave: 3).item<double>(), rtol: 1e-12);
    }

    [Fact]
    public void Images_smaller_than_the_window_and_unknown_channels_are_invalid_input()
    {
        using var scope = NewDisposeScope();
        var x = Random(10, 16, 16);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Ssim.Compute(x, x, shave: 3)).Kind);
        Assert.Equal(1.0, Ssim.Compute(x, x, "rgb", shave: 3).item<double>()); // zero padding works on any size
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => Ssim.Compute(x, x, "lab")).Kind);
    }
}
