using Dsd.Networks;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Networks;

/// <summary>docs/method.md §4: the deblurring network (xSRResNet without upsampling, plus a global residual).</summary>
public class DeblurNetTests
{
    [Fact]
    public void ParameterCountsFollowFromTheArchitecture()
    {
        // stem 3·64·25+64 = 4,864; xResBlock 64·49+64 + 2·64·64·9 = 76,928; hrconv 64·64·9+64 = 36,928;
        // features_to_image 64·3·25+3 = 4,803. 10 blocks: 4,864 + 769,280 + 36,928 + 4,803 = 815,875 (≈0.81 M, docs/method.md).
        Assert.Equal(815_875, NetworkWeights.ParameterCount(new DeblurNet()));
        Assert.Equal(815_875 - 5 * 76_928, NetworkWeights.ParameterCount(new DeblurNet(blocks: 5)));
    }

    [Fact]
    public void NamesFollowXSrResNetWithoutUpsampling()
    {
        var expected = new XSrResNet().state_dict().Keys.Where(k => !k.StartsWith("usample.", StringComparison.Ordinal)).Order();
        Assert.Equal(expected, new DeblurNet().state_dict().Keys.Order());
    }

    [Fact]
    public void OutputKeepsTheInputSizeAndIsTheInputWhenTheLastConvIsZero()
    {
        var net = new DeblurNet(blocks: 2);
        var weights = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        weights["features_to_image.weight"].zero_();
        NetworkWeights.Load(net, weights, "test");
        var x = rand(1, 3, 17, 23);
        using var noGrad = no_grad();
        var y = net.call(x);
        Assert.Equal(x.shape, y.shape);
        Assert.Equal(0, (y - x).abs().max().item<float>());
    }
}
