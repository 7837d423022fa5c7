using Dsd.Distances;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Distances;

/// <summary>
/// The inference paths that bound memory (contextual in row chunks, style by VGG tiles) give the authors' golden
/// values (tolerance of golden/README: 1e-4), and the autograd path refuses what would not fit instead of being killed.
/// </summary>
public class BoundedMemoryDistanceTests
{
    [Fact]
    public void ContextualInRowChunksEqualsTheReferenceValue()
    {
        var golden = GoldenSet.Random;
        var (x, y) = (golden["images/dist_small"], golden["images/ref_small"]);
        var positions = x.shape[2] / 2 * (x.shape[3] / 2);
        // Room for 7 rows of the all-pairs matrix per chunk: many chunks, the last one partial.
        var budget = new MemoryBudget(7 * positions * sizeof(float) * 3);
        var distance = new ContextualDistance(new Vgg19Features(["relu2_1"], golden.Vgg)) { Budget = budget };
        using var noGrad = no_grad();
        Close.Scalar(golden["loss/contextual_relu2_1/value"].item<float>(), distance.PerImage(x, y).item<float>(), what: "chunked contextual");
    }

    [Fact]
    public void ContextualWithGradientsRefusesUpFrontWhatExceedsTheBudgetAndNamesACropThatFits()
    {
        var golden = GoldenSet.Random;
        var distance = new ContextualDistance(new Vgg19Features(["relu2_1"], golden.Vgg)) { Budget = new MemoryBudget(1 << 20) };
        var x = rand(1, 3, 96, 128).requires_grad_(true);
        var e = Assert.Throws<DsdException>(() => distance.Loss(x, rand(1, 3, 96, 128)));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains("128×96", e.Message, StringComparison.Ordinal);
        Assert.Contains("--max-memory", e.Message, StringComparison.Ordinal);
        // (48·64)² · 4 B · 5 = 180 MiB needed; a crop side c fits when (c/2)⁴ · 20 B ≤ 1 MiB: c ≤ 30.2 → 24 (multiple of 8).
        Assert.Contains("180 MiB", e.Message, StringComparison.Ordinal);
        Assert.Contains("24×24", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StyleByTilesEqualsTheReferenceValue()
    {
        var golden = GoldenSet.Random;
        var vgg = new Vgg19Features(StyleDistance.DefaultLayers, golden.Vgg);
        var (x, y) = (golden["images/dist_crop"], golden["images/ref_crop"]);
        var budget = new MemoryBudget(8 << 20);   // whole needs ~16 MiB; 56-px cores, 3 × 3 tiles
        Assert.NotNull(VggTiling.Plan(vgg.Taps, 1, x.shape[2], x.shape[3], budget, 2 * x.NumberOfElements * 4));
        using var noGrad = no_grad();
        Close.Scalar(golden["loss/style/value"].item<float>(), StyleDistance.Between(vgg, StyleDistance.DefaultLayers, x, y, budget).item<float>(), what: "tiled style");
    }
}
