using Dsd.Networks;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Networks;

/// <summary>docs/method.md §3: psi's names, size and forward pass against the authors' regressor (golden regressor/*, noref/*).</summary>
public class NoReferenceRegressorTests
{
    static NoReferenceRegressor Golden()
    {
        var net = new NoReferenceRegressor();
        NetworkWeights.Load(net, GoldenSet.Random.WeightsUnder("regressor/"), "golden regressor/");
        net.eval();
        return net;
    }

    [Fact]
    public void StateDictNamesAndShapesEqualTheReference()
    {
        var expected = GoldenSet.Random.WeightsUnder("regressor/").ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        // TorchSharp keeps BatchNorm's num_batches_tracked; the golden file (like many exported checkpoints) omits it.
        var actual = NetworkWeights.ReferenceStateDict(new NoReferenceRegressor())
            .Where(kv => !kv.Key.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, shape) in expected) Assert.Equal(shape, actual[key]);
    }

    [Fact]
    public void ParameterCountCountsEachSharedSeGateOnce()
    {
        // stem 3·32·25 + BN 64 = 2,464; stages (blocks + projections + one SE gate each):
        // 37,282 + 38,370 + 132,292 + 152,772 + 527,752 + 609,672; classifier 128·32+32 + 32·4+4 = 4,260.
        Assert.Equal(1_504_864, NetworkWeights.ParameterCount(new NoReferenceRegressor()));
    }

    [Fact]
    public void SeGateIsSharedWithinAStage()
    {
        var net = new NoReferenceRegressor();
        var p = NetworkWeights.ReferenceStateDict(net);
        Assert.Equal(p["features.2.0.residual_block.transform.0.weight"].Handle, p["features.2.1.residual_block.transform.0.weight"].Handle);
        Assert.NotEqual(p["features.2.0.residual_block.transform.0.weight"].Handle, p["features.3.0.residual_block.transform.0.weight"].Handle);
    }

    [Fact]
    public void DisagreeingAliasesOfTheSharedGateAreRejected()
    {
        var weights = GoldenSet.Random.WeightsUnder("regressor/");
        weights["features.4.1.residual_block.transform.2.bias"] = zeros(128);
        var e = Assert.Throws<DsdException>(() => NetworkWeights.Load(new NoReferenceRegressor(), weights, "psi.pth"));
        Assert.Contains("features.4.1.residual_block.transform.2.bias differs from features.4.0.residual_block.transform.2.bias", e.Message);
    }

    [Fact]
    public void RandomSetOutputMatchesReference() => CheckOutput(GoldenSet.Random);

    [SharedFact("golden", "pretrained")]
    public void PretrainedSetOutputMatchesReference() => CheckOutput(GoldenSet.Pretrained);

    [Fact]
    public void EvalModeUsesRunningStatistics()
    {
        // In training mode BatchNorm would normalise by batch statistics and give different numbers.
        var net = Golden();
        var x = GoldenSet.Random["noref/regressor_input"];
        using var noGrad = no_grad();
        var eval = net.call(x);
        net.train();
        var train = net.call(x);
        Assert.True((eval - train).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void SavedFileHasTheReferenceLayoutAndReloadsToTheSameOutput()
    {
        var path = Path.Combine(Path.GetTempPath(), $"psi-{Guid.NewGuid():N}.safetensors");
        try
        {
            NetworkWeights.Save(Golden(), path);
            var keys = Dsd.Serialization.SafeTensors.Load(path).Keys.Where(k => !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal));
            Assert.Equal(GoldenSet.Random.WeightsUnder("regressor/").Keys.Order(), keys.Order());
            var x = GoldenSet.Random["noref/regressor_input"];
            using var noGrad = no_grad();
            Assert.Equal(0, (Golden().call(x) - NoReferenceRegressor.FromFile(path).call(x)).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    static void CheckOutput(GoldenSet golden)
    {
        using var noGrad = no_grad();
        var y = Golden().call(golden["noref/regressor_input"]);
        Close.Tensor(golden["noref/regressor_output"], y, what: "noref/regressor_output");
    }
}
