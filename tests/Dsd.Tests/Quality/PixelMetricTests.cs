using Dsd.Quality;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>PsnrMetric and SsimMetric as IQualityMetric: names, direction, errors the CLI maps to exit codes.</summary>
public sealed class PixelMetricTests
{
    static Tensor Image(long h = 20, long w = 24, int seed = 1)
    {
        using var g = new Generator((ulong)seed);
        return rand(new long[] { 1, 3, h, w }, generator: g);
    }

    public static TheoryData<IQualityMetric> Metrics => [new PsnrMetric(), new PsnrMetric(onY: false), new SsimMetric(), new SsimMetric("rgb")];

    [Fact]
    public void Channels_are_case_insensitive()
    {
        Assert.Equal("rgb", new SsimMetric("RGB").Channels);
    }

    [Fact]
    public void Identical_images_score_infinite_psnr_and_unit_ssim()
    {
        using var scope = NewDisposeScope();
        var x = Image();
        Assert.Equal(double.PositiveInfinity, new PsnrMetric(shave: 2).Score(x, x.clone()));
        Assert.Equal(1.0, new SsimMetric(shave: 2).Score(x, x.clone()));
    }

    [Fact]
    public void Score_equals_the_function()
    {
        using var scope = NewDisposeScope();
        var (x, y) = (Image(seed: 2), Image(seed: 3));
        Assert.Equal(Psnr.Compute(x, y, 2, onY: false).item<double>(), new PsnrMetric(false, 2).Score(x, y));
        Assert.Equal(Ssim.Compute(x, y, "y", 1).item<double>(), new SsimMetric("y", 1).Score(x, y));
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Different_sizes_are_invalid_input_with_both_sizes(IQualityMetric metric)
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<DsdException>(() => metric.Score(Image(20, 24), Image(20, 30)));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Equal("sizes differ: distorted 24×20, reference 30×20", e.Message);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => metric.Score(Image(), null)).Kind);
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Nan_pixels_are_a_numerical_error(IQualityMetric metric)
    {
        using var scope = NewDisposeScope();
        var x = Image();
        var y = x.clone();
        y[0, 0, 10, 10] = tensor(float.NaN);
        Assert.Equal(DsdErrorKind.Numerical, Assert.Throws<DsdException>(() => metric.Score(y, x)).Kind);
    }

    [Fact]
    public void Bad_options_are_invalid_input()
    {
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => new SsimMetric("lab")).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => new SsimMetric(shave: -1)).Kind);
        Assert.Equal(DsdErrorKind.InvalidInput, Assert.Throws<DsdException>(() => new PsnrMetric(shave: -1)).Kind);
    }
}
