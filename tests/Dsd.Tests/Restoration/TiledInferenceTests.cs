using Dsd.Networks;
using Dsd.Restoration;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.Restoration;

public sealed class TiledInferenceTests(ITestOutputHelper output)
{
    static Tensor Image(int h, int w, int seed)
    {
        using var g = new TorchSharp.torch.Generator((ulong)seed);
        return rand(1, 3, h, w, generator: g);
    }

    [Fact]
    public void ImageThatFitsOneTileGivesBitIdenticalWholeImageOutput()
    {
        manual_seed(1);
        using var net = new XSrResNet(5);
        net.eval();
        using var x = Image(12, 10, 2);
        using var whole = Whole(net, x);
        using var tiled = TiledInference.Run(net, x, scale: 4, tile: 12, margin: 4);
        Assert.True(whole.eq(tiled).all().item<bool>());
    }

    [Theory]
    [InlineData("deblur", 5, 48, 40, 16)]
    [InlineData("sr", 5, 30, 26, 8)]
    [InlineData("sr", 2, 40, 36, 12)]
    public void TilesWithAReceptiveFieldMarginReproduceTheWholeImage(string task, int blocks, int h, int w, int tile)
    {
        manual_seed(3);
        var kind = RestorationTask.Parse(task);
        using var net = Damped(RestorationNetworks.Create(kind, blocks));
        using var x = Image(h, w, 4);
        using var whole = Whole(net, x);
        using var tiled = TiledInference.Run(net, x, kind.Scale, tile, kind.Network.ReceptiveRadius(blocks));
        Assert.Equal(whole.shape, tiled.shape);
        var max = (whole - tiled).abs().max().item<float>();
        output.WriteLine($"{task}, {blocks} blocks, {h}×{w}, tile {tile}, margin {kind.Network.ReceptiveRadius(blocks)}: max |tiled − whole| {max:G3}");
        // Same pixels in every receptive field: only float summation order (convolution sizes) may differ.
        Assert.True(max < 1e-5, $"max diff {max}");
    }

    [Fact]
    public void AMarginBelowTheReceptiveFieldShowsTheTileBorders()
    {
        // The property that makes the margin necessary: with too little context the tiles' zero padding shows.
        manual_seed(3);
        using var net = Damped(new DeblurNet(5));
        using var x = Image(48, 40, 4);
        using var whole = Whole(net, x);
        using var tiled = TiledInference.Run(net, x, 1, tile: 16, margin: 2);
        Assert.True((whole - tiled).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void CoresCoverTheSideWithoutGapsOrOverlap()
    {
        Assert.Equal([(0, 10), (10, 20), (20, 30)], TiledInference.Cores(30, 10));
        Assert.Equal([(0, 10), (10, 21)], TiledInference.Cores(21, 11));
        Assert.Equal([(0, 10)], TiledInference.Cores(10, 10));
    }

    [Fact]
    public void NegativeMarginIsRejected()
    {
        using var net = new DeblurNet(1);
        using var x = zeros(1, 3, 8, 8);
        Assert.Throws<DsdException>(() => TiledInference.Run(net, x, 1, tile: 4, margin: -1));
    }

    /// <summary>
    /// A Kaiming-initialised net's residual spans many times [0,1], so clamping would turn small border effects into
    /// jumps of 1; a trained net adds small corrections, which a scaled-down last layer imitates.
    /// </summary>
    static T Damped<T>(T net) where T : nn.Module<Tensor, Tensor>
    {
        using var noGrad = no_grad();
        net.named_parameters().Single(p => p.name == "features_to_image.weight").parameter.mul_(0.05);
        net.eval();
        return net;
    }

    static Tensor Whole(nn.Module<Tensor, Tensor> net, Tensor x)
    {
        using var mode = inference_mode();
        return net.call(x).clamp(0f, 1f);
    }
}

public sealed class TiledInferenceMemoryTests
{
    [Fact]
    public void ARestorationThatWouldExceedTheBudgetIsRefusedBeforeAnyWork()
    {
        using var net = new XSrResNet(2);
        net.eval();
        using var x = zeros(1, 3, 64, 80);
        // ×4 output 320×256 = 81,920 px × 28 B = 2.2 MiB, plus one 64×80 window: 5,120 × 256 B × 54 = 67.5 MiB.
        Assert.Equal(81_920 * 28 + 5_120 * 256 * 54.0, TiledInference.EstimateBytes(64, 80, 4, 256, 15));
        var e = Assert.Throws<DsdException>(() => TiledInference.Run(net, x, 4, 256, 15, new MemoryBudget(40 << 20)));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains("80×64 image (×4: 320×256) needs about 70 MiB", e.Message, StringComparison.Ordinal);
        Assert.Contains("a smaller --tile", e.Message, StringComparison.Ordinal);
        using var y = TiledInference.Run(net, x, 4, 16, 15, new MemoryBudget(40 << 20));   // 46² windows: 2.2 + 29.2 MiB
        Assert.Equal([1L, 3, 256, 320], y.shape);
    }

    /// <summary>The automatic tile is the largest that fits the budget: 512 for a 512×384 ×4 SR in 8 GB, smaller in less.</summary>
    [Fact]
    public void AutoTileIsTheLargestThatFitsTheMemoryBudget()
    {
        Assert.Equal(512, TiledInference.AutoTile(384, 512, 4, 30, MemoryBudget.Parse("8G")));
        Assert.Equal(256, TiledInference.AutoTile(384, 512, 4, 30, MemoryBudget.Parse("1500M")));
        var tight = MemoryBudget.Parse("1G");
        var tile = TiledInference.AutoTile(384, 512, 4, 30, tight);
        Assert.True(tile < 256 && TiledInference.EstimateBytes(384, 512, 4, tile, 30) <= tight.Bytes || tile == 64);
        Assert.Equal(64, TiledInference.AutoTile(100_000, 100_000, 4, 30, tight));
    }
}
