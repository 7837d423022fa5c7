using Dsd.Networks;
using Dsd.Serialization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Networks;

/// <summary>docs/method.md §4: xSRResNet's shape, names and forward pass against the authors' generator (golden xsrresnet/*).</summary>
public class XSrResNetTests
{
    static XSrResNet Golden()
    {
        var net = new XSrResNet();
        NetworkWeights.Load(net, GoldenSet.Random.WeightsUnder("xsrresnet/"), "golden xsrresnet/");
        net.eval();
        return net;
    }

    [Fact]
    public void PublishedNetworkHas1111299Parameters()
    {
        // stem 3·64·25+64 = 4,864; block 64·49+64 + 2·64·64·9 = 76,928 (×10); usample 2·(256·64·9+256) = 295,424;
        // hrconv 64·64·9+64 = 36,928; features_to_image 64·3·25+3 = 4,803.
        Assert.Equal(1_111_299, NetworkWeights.ParameterCount(new XSrResNet()));
        Assert.Equal(1_111_299 - 5 * 76_928, NetworkWeights.ParameterCount(new XSrResNet(blocks: 5)));
    }

    [Fact]
    public void StateDictNamesAndShapesEqualTheReference()
    {
        var expected = GoldenSet.Random.WeightsUnder("xsrresnet/").ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var actual = NetworkWeights.ReferenceStateDict(new XSrResNet()).ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, shape) in expected) Assert.Equal(shape, actual[key]);
    }

    [Fact]
    public void RandomSetOutputMatchesReference() => CheckOutput(GoldenSet.Random);

    [SharedFact("golden", "pretrained")]
    public void PretrainedSetOutputMatchesReference() => CheckOutput(GoldenSet.Pretrained);

    static void CheckOutput(GoldenSet golden)
    {
        using var noGrad = no_grad();
        var y = Golden().call(golden["xsrresnet/input"]);
        Close.Tensor(golden["xsrresnet/output"], y, what: "xsrresnet/output");
    }

    [Fact]
    public void SavedAndReloadedWeightsGiveTheSameOutput()
    {
        var path = Path.Combine(Path.GetTempPath(), $"xsrresnet-{Guid.NewGuid():N}.safetensors");
        try
        {
            NetworkWeights.Save(Golden(), path);
            var reloaded = XSrResNet.FromFile(path);
            using var noGrad = no_grad();
            var x = GoldenSet.Random["xsrresnet/input"];
            Assert.Equal(0, (Golden().call(x) - reloaded.call(x)).abs().max().item<float>());
            Assert.Equal(SafeTensors.Load(path).Keys.Order(), GoldenSet.Random.WeightsUnder("xsrresnet/").Keys.Order());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingKeyIsNamed()
    {
        var weights = GoldenSet.Random.WeightsUnder("xsrresnet/");
        weights.Remove("features.3.xunit.features.0.bias");
        var e = Assert.Throws<DsdException>(() => NetworkWeights.Load(new XSrResNet(), weights, "some.pth"));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("some.pth", e.Message);
        Assert.Contains("features.3.xunit.features.0.bias", e.Message);
    }

    [Fact]
    public void UnexpectedKeyIsNamed()
    {
        // The 10-block checkpoint into the 5-block network: features.5..9 are left over.
        var e = Assert.Throws<DsdException>(() =>
            NetworkWeights.Load(new XSrResNet(blocks: 5), GoldenSet.Random.WeightsUnder("xsrresnet/"), "x10.safetensors"));
        Assert.Contains("unexpected features.5.", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamedWithBothShapes()
    {
        var weights = GoldenSet.Random.WeightsUnder("xsrresnet/");
        weights["hrconv.weight"] = zeros(64, 64, 5, 5);
        var e = Assert.Throws<DsdException>(() => NetworkWeights.Load(new XSrResNet(), weights, "bad.safetensors"));
        Assert.Contains("hrconv.weight has shape [64,64,5,5], expected [64,64,3,3]", e.Message);
    }

    [Fact]
    public void DataParallelPrefixIsAccepted()
    {
        // A state dict saved from nn.DataParallel names every key module.*: the network it loads into must hold the very
        // tensors of the plain golden weights, and so give the reference output.
        var plain = GoldenSet.Random.WeightsUnder("xsrresnet/");
        var prefixed = plain.ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        var net = new XSrResNet();
        NetworkWeights.Load(net, prefixed, "dp.pth");
        var loaded = NetworkWeights.ReferenceStateDict(net);
        Assert.Equal(plain.Keys.Order(), loaded.Keys.Order());
        foreach (var (key, t) in plain)
            Assert.True(t.eq(loaded[key]).all().item<bool>(), $"{key} differs after loading the module.* keys");
        net.eval();
        using var noGrad = no_grad();
        Close.Tensor(GoldenSet.Random["xsrresnet/output"], net.call(GoldenSet.Random["xsrresnet/input"]), what: "xsrresnet/output (module.* keys)");
    }

    [Fact]
    public void GradientsReachEveryParameter()
    {
        var net = new XSrResNet(blocks: 2);
        var x = rand(2, 3, 12, 10, requires_grad: true);
        var y = net.call(x);
        Assert.Equal(new long[] { 2, 3, 48, 40 }, y.shape);
        y.square().mean().backward();
        Assert.NotNull(x.grad);
        foreach (var (name, p) in net.named_parameters())
        {
            Assert.NotNull(p.grad);
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} got a zero gradient");
        }
    }

    [Fact]
    public void InitIsKaimingFanInWithZeroBiases()
    {
        manual_seed(1);
        var net = new XSrResNet();
        foreach (var (name, p) in net.named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) Assert.Equal(0, p.abs().max().item<float>());
            else if (name == "usample.0.conv.weight")
                // fan_in 64·9: std √(2/576) ≈ 0.0589 over 147,456 samples.
                Assert.InRange(p.std().item<float>(), 0.058, 0.060);
        }
    }
}
