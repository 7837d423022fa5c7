using Dsd.Dissimilarity;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Dissimilarity;

/// <summary>
/// Tiled Grams and fingerprints equal the whole-image ones. Tolerance: relative (Frobenius) error ≤ 1e-5, the issue's
/// bar; the only difference is float32 summation order (whole-image bmm vs per-tile bmm summed in float64).
/// </summary>
public class TiledGramTests
{
    static readonly string[] Layers = ["relu1_2", "relu2_1", "relu2_2", "relu3_1"];

    // Built outside any test's dispose scope: the golden weights and the module outlive each test.
    static readonly Lazy<Vgg19Features> Vgg = new(() => new Vgg19Features(Layers, GoldenSet.Random.Vgg));

    /// <summary>A smooth image with noise whose sides are not multiples of 4 (the last cores end at floor(H/s)).</summary>
    static Tensor Image(int h, int w, int seed = 1)
    {
        var g = new TorchSharp.torch.Generator((ulong)seed);
        var yy = linspace(0, 6, h).view(1, 1, h, 1);
        var xx = linspace(0, 9, w).view(1, 1, 1, w);
        var smooth = cat([(yy + xx).sin(), (yy * xx / 5).cos(), (yy - xx).sin() * (xx / 9)], 1) * 0.3f + 0.5f;
        return (smooth + rand([1, 3, h, w], generator: g) * 0.2f).clamp(0, 1);
    }

    static double RelativeError(Tensor expected, Tensor actual)
    {
        var e = expected.to_type(ScalarType.Float64);
        return (actual.to_type(ScalarType.Float64) - e).norm().item<double>() / e.norm().item<double>();
    }

    [Fact]
    public void GeometryCoversTheReceptiveFieldOfRelu31AndAlignsToItsPools()
    {
        Assert.Equal((4, 16), VggTiling.Geometry(Layers));   // radius 13 (1+1+1+2+2+2+4) rounded up to a multiple of 4
        Assert.Equal((1, 2), VggTiling.Geometry(["relu1_2"])); // two 3×3 convs, no pool
        Assert.Equal((2, 6), VggTiling.Geometry(["relu2_1"])); // 1+1+1+2 = 5, rounded up to a multiple of 2
    }

    [Fact]
    public void TiledGramEqualsWholeImageGram()
    {
        var vgg = Vgg.Value;
        using var scope = NewDisposeScope();
        var image = Image(118, 150);
        var tiling = new VggTiling(4, 16, 24);
        Assert.True(tiling.Cores(118).Count() * tiling.Cores(150).Count() >= 30);
        var whole = TiledGram.Of(vgg, image, Layers, tiling: null);
        var tiled = TiledGram.Of(vgg, image, Layers, tiling);
        foreach (var layer in Layers)
        {
            var error = RelativeError(whole[layer], tiled[layer]);
            Assert.True(error <= 1e-5, $"{layer}: relative error {error:G3}");
        }
    }

    [Fact]
    public void FingerprintUnderASmallBudgetIsComputedByTilesAndEqualsTheWholeOne()
    {
        var vgg = Vgg.Value;
        using var scope = NewDisposeScope();
        var image = Image(150, 202, seed: 2);
        var other = (image + Image(150, 202, seed: 3) * 0.05f).clamp(0, 1);
        var budget = new MemoryBudget(12 << 20);
        var imageBytes = image.NumberOfElements * 4;
        Assert.NotNull(VggTiling.Plan(vgg.Taps, 1, 150, 202, budget, imageBytes));
        using var whole = Fingerprint.Compute(vgg, image, DsdOptions.Fingerprint, new MemoryBudget(long.MaxValue / 4));
        using var tiled = Fingerprint.Compute(vgg, image, DsdOptions.Fingerprint, budget);
        foreach (var alpha in DsdOptions.Fingerprint.Alphas)
            foreach (var layer in Layers)
            {
                var error = RelativeError(whole[alpha, layer], tiled[alpha, layer]);
                Assert.True(error <= 1e-5, $"α {alpha} {layer}: relative error {error:G3}");
            }
        using var otherWhole = Fingerprint.Compute(vgg, other, DsdOptions.Fingerprint, new MemoryBudget(long.MaxValue / 4));
        using var otherTiled = Fingerprint.Compute(vgg, other, DsdOptions.Fingerprint, budget);
        var expected = DsdDistance.Between(otherWhole, whole).item<float>();
        Assert.True(expected > 0);
        Close.Scalar(expected, DsdDistance.Between(otherTiled, tiled).item<float>(), rtol: 1e-5, what: "D_DSD tiled");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void DownscaleInStripsEqualsTheWholeDownscale(int alpha)
    {
        using var scope = NewDisposeScope();
        var image = Image(61, 47);
        var whole = Downscaling.Apply(image, alpha);
        var strips = Downscaling.InStrips(image, alpha, stripBytes: 1);   // one output row per strip
        Assert.Equal(whole.shape, strips.shape);
        Assert.True((whole - strips).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void ABudgetTooSmallForAnyTileIsRefusedWithTheMemoryNeeded()
    {
        var e = Assert.Throws<DsdException>(() => VggTiling.Plan(Layers, 1, 4000, 6000, new MemoryBudget(1 << 20)));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains("--max-memory", e.Message, StringComparison.Ordinal);
        Assert.Contains("6000×4000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8G", 8L << 30)]
    [InlineData("512M", 512L << 20)]
    [InlineData("1.5GB", 3L << 29)]
    [InlineData("1000", 1000L)]
    public void MemorySizesParse(string text, long bytes) => Assert.Equal(bytes, MemoryBudget.Parse(text).Bytes);

    [Theory]
    [InlineData("lots")]
    [InlineData("-1G")]
    [InlineData("8X")]
    public void BadMemorySizesAreUsageErrors(string text) =>
        Assert.Equal(DsdErrorKind.Usage, Assert.Throws<DsdException>(() => MemoryBudget.Parse(text)).Kind);
}
