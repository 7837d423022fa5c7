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
        using var tiled = TiledInference.Run(net, x, scale: 4, tile: 12, overlap: 4);
        Assert.True(whole.eq(tiled).all().item<bool>());
    }

    [Theory]
    [InlineData("deblur", 48, 40, 32, 16)]
    [InlineData("sr", 24, 20, 16, 8)]
    public void TiledOutputIsCloseToWholeImageOutput(string task, int h, int w, int tile, int overlap)
    {
        manual_seed(3);
        var kind = RestorationNetworks.Parse(task);
        using var net = Damped(RestorationNetworks.Create(kind, 5));
        using var x = Image(h, w, 4);
        using var whole = Whole(net, x);
        using var tiled = TiledInference.Run(net, x, kind.Scale(), tile, overlap);
        Assert.Equal(whole.shape, tiled.shape);
        float residual;
        using (var m = inference_mode())
        using (var up = nn.functional.interpolate(x, scale_factor: [kind.Scale(), kind.Scale()], mode: InterpolationMode.Bilinear, align_corners: false))
            residual = (whole - up).abs().max().item<float>();
        var max = (whole - tiled).abs().max().item<float>();
        var mean = (whole - tiled).abs().mean().item<float>();
        output.WriteLine($"{task}, 5 blocks, {h}×{w} input, tile {tile}, overlap {overlap}: |tiled − whole| max {max:G4}, mean {mean:G4} (largest residual {residual:G4})");
        // Tiles see zero padding where the whole image sees neighbours; within the receptive field (15 px for 5 blocks)
        // of a tile border the outputs differ. The blend keeps that to a fraction of the residual the net adds.
        Assert.True(max < 0.5 * residual, $"max diff {max} vs residual {residual}");
        Assert.True(mean < 0.05 * residual, $"mean diff {mean} vs residual {residual}");
    }

    [Fact]
    public void TileStartsStepByTileMinusOverlapAndEndFlush()
    {
        Assert.Equal([0, 8, 16, 20], TiledInference.Starts(30, 10, 2));
        Assert.Equal([0], TiledInference.Starts(10, 10, 2));
    }

    [Fact]
    public void OverlapNotSmallerThanTileIsRejected()
    {
        using var net = new DeblurNet(1);
        using var x = zeros(1, 3, 8, 8);
        Assert.Throws<DsdException>(() => TiledInference.Run(net, x, 1, tile: 4, overlap: 4));
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
