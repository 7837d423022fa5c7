using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Features;

public class Vgg19FeaturesTests
{
    [Fact]
    public void BuildsOnlyUpToDeepestTapAndReturnsEachTap()
    {
        var vgg = new Vgg19Features(["relu1_2", "pool1", "conv2_1"], GoldenSet.Random.Vgg);
        Assert.Equal(6, vgg.parameters().Count()); // conv1_1, conv1_2, conv2_1: weight and bias each; nothing deeper
        var taps = vgg.call(rand(1, 3, 16, 12));
        Assert.Equal(new long[] { 1, 64, 16, 12 }, taps["relu1_2"].shape);
        Assert.Equal(new long[] { 1, 64, 8, 6 }, taps["pool1"].shape);
        Assert.Equal(new long[] { 1, 128, 8, 6 }, taps["conv2_1"].shape);
        Assert.True(taps["conv2_1"].min().item<float>() < 0, "conv taps are taken before the ReLU");
    }

    [Fact]
    public void WeightsAreFrozen()
    {
        var vgg = new Vgg19Features(["relu1_1"], GoldenSet.Random.Vgg);
        Assert.All(vgg.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void KeysWithoutFeaturesPrefixAreAccepted()
    {
        var plain = GoldenSet.Random.Vgg.ToDictionary(kv => kv.Key["features.".Length..], kv => kv.Value);
        var x = rand(1, 3, 8, 8);
        var a = new Vgg19Features(["relu2_1"], plain).call(x)["relu2_1"];
        var b = new Vgg19Features(["relu2_1"], GoldenSet.Random.Vgg).call(x)["relu2_1"];
        Assert.True(a.equal(b).all().item<bool>());
    }

    [Fact]
    public void MissingDeeperLayerIsReportedByName()
    {
        var e = Assert.Throws<DsdException>(() => new Vgg19Features(["relu3_2"], GoldenSet.Random.Vgg, source: "partial.safetensors"));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("partial.safetensors", e.Message);
        Assert.Contains("features.12", e.Message);
        Assert.Contains("conv3_2", e.Message);
    }

    [Fact]
    public void WrongShapeIsReported()
    {
        var bad = GoldenSet.Random.Vgg.ToDictionary(kv => kv.Key, kv => kv.Value);
        bad["features.2.weight"] = zeros(64, 32, 3, 3);
        var e = Assert.Throws<DsdException>(() => new Vgg19Features(["relu1_2"], bad, source: "bad.pth"));
        Assert.Contains("features.2.weight", e.Message);
        Assert.Contains("[64,32,3,3]", e.Message);
    }

    [Fact]
    public void UnknownLayerNameIsRejected()
    {
        var e = Assert.Throws<DsdException>(() => new Vgg19Features(["relu9_9"], GoldenSet.Random.Vgg));
        Assert.Contains("relu9_9", e.Message);
    }
}
