using Dsd.Serialization;
using Dsd.Weights;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Weights;

public class VggWeightStoreTests
{
    static string Conv1File(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        File.Copy(WeightsFixtures.File("vgg_conv1_expected.safetensors"), path);
        return path;
    }

    [Fact]
    public void ResolutionOrderIsExplicitThenEnvironmentThenCache()
    {
        var dir = WeightsFixtures.TempDir();
        var explicitFile = Conv1File(dir, "explicit.safetensors");
        var envFile = Conv1File(dir, "env.safetensors");
        var home = Path.Combine(dir, "home");
        Directory.CreateDirectory(home);
        Conv1File(home, VggWeightStore.CacheFileName);

        var all = new VggWeightsOptions { ExplicitPath = explicitFile, EnvironmentPath = envFile, CacheDirectory = home };
        Assert.Equal((VggWeightsSourceKind.Explicit, explicitFile), Pick(all));
        Assert.Equal((VggWeightsSourceKind.Environment, envFile), Pick(all with { ExplicitPath = null }));
        Assert.Equal((VggWeightsSourceKind.Cache, Path.Combine(home, VggWeightStore.CacheFileName)), Pick(all with { ExplicitPath = null, EnvironmentPath = null }));
        // Nothing set up: the built-in subset serves layers up to relu3_1; deeper layers need a download (null).
        Assert.Equal(VggWeightsSourceKind.Embedded, VggWeightStore.Resolve(new VggWeightsOptions { CacheDirectory = Path.Combine(dir, "empty") })!.Kind);
        Assert.Null(VggWeightStore.Resolve(new VggWeightsOptions { CacheDirectory = Path.Combine(dir, "empty") }, VggWeightStore.FullNetworkIndex));
        Assert.Equal(4, VggWeightStore.Candidates(all).Count);

        static (VggWeightsSourceKind, string) Pick(VggWeightsOptions o) => VggWeightStore.Resolve(o) is { } c ? (c.Kind, c.Path) : default;
    }

    [Fact]
    public void MissingExplicitFileIsAnErrorNotAFallThrough()
    {
        var home = WeightsFixtures.TempDir();
        Conv1File(home, VggWeightStore.CacheFileName);
        var e = Assert.Throws<DsdException>(() => VggWeightStore.Resolve(new VggWeightsOptions { ExplicitPath = "/no/such/typo.pth", CacheDirectory = home }));
        Assert.Contains("typo.pth", e.Message);
        Assert.Contains("--vgg-weights", e.Message);
        e = Assert.Throws<DsdException>(() => VggWeightStore.Resolve(new VggWeightsOptions { EnvironmentPath = "/no/such/env.pth", CacheDirectory = home }));
        Assert.Contains(VggWeightsOptions.WeightsVariable, e.Message);
    }

    [Fact]
    public void LoadReportsPathShaAndCoverage()
    {
        var path = WeightsFixtures.File("vgg_conv1_legacy.pth");
        using var w = VggWeightStore.LoadFile(path);
        Assert.Equal(path, w.Path);
        Assert.Equal(VggWeightStore.Sha256Of(path), w.Sha256);
        Assert.Equal(64, w.Sha256.Length);
        Assert.Equal(["features.0.bias", "features.0.weight"], w.State.Keys.Order(StringComparer.Ordinal));
        w.Require(1, "tap relu1_1");
        var e = Assert.Throws<DsdException>(() => w.Require(13, "tap relu3_2"));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Equal($"weights file {path} lacks features.2 (conv1_2) needed for tap relu3_2", e.Message);
    }

    [Theory]
    [InlineData("features.12.weight", "features.12.weight")]
    [InlineData("12.bias", "features.12.bias")]
    [InlineData("module.features.0.weight", "features.0.weight")]
    [InlineData("classifier.0.weight", null)]
    [InlineData("lin0.model.1.weight", null)]
    public void KeysAreNormalised(string key, string? expected) => Assert.Equal(expected, VggWeightStore.NormaliseKey(key));

    [Fact]
    public void WrongShapeNamesFileAndKey()
    {
        // tiny_legacy.pth has 4-channel convs at features.0 and features.2.
        var e = Assert.Throws<DsdException>(() => VggWeightStore.LoadFile(WeightsFixtures.File("tiny_legacy.pth")));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("tiny_legacy.pth", e.Message);
        Assert.Contains("features.0.", e.Message);
        Assert.Contains("expected [64", e.Message);
    }

    [Fact]
    public void NonConvolutionIndexIsRejected()
    {
        var path = Path.Combine(WeightsFixtures.TempDir(), "bn.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["features.1.weight"] = ones(64) });
        var e = Assert.Throws<DsdException>(() => VggWeightStore.LoadFile(path));
        Assert.Contains("bn.safetensors", e.Message);
        Assert.Contains("features.1.weight", e.Message);
    }

    [Fact]
    public void ImportConvertsAndChecksTheNameHash()
    {
        var dir = WeightsFixtures.TempDir();
        var options = new VggWeightsOptions { CacheDirectory = Path.Combine(dir, "home") };
        var result = VggWeightImporter.Import(WeightsFixtures.File("vgg_conv1_legacy.pth"), options);
        WeightsFixtures.AssertSameTensors(WeightsFixtures.Expected("vgg_conv1_expected.safetensors"), SafeTensors.Load(result.CachePath));
        Assert.Equal("vgg_conv1_legacy.pth", SafeTensors.LoadMetadata(result.CachePath)["source_file"]);

        var misnamed = Path.Combine(dir, "vgg19-00000000.pth");
        File.Copy(WeightsFixtures.File("vgg_conv1_legacy.pth"), misnamed);
        var e = Assert.Throws<DsdException>(() => VggWeightImporter.Import(misnamed, options with { CacheDirectory = Path.Combine(dir, "home2") }));
        Assert.Contains("checksum", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir, "home2")) && Directory.GetFiles(Path.Combine(dir, "home2")).Length > 0);
    }

    [SharedFact("weights", "vgg19-torchvision", "vgg19_first_five_conv_layers.pth")]
    public void SharedZipCheckpointMatchesItsSafeTensorsConversion()
    {
        var dir = TestPaths.SharedPath("weights", "vgg19-torchvision")!;
        using var fromPth = VggWeightStore.LoadFile(Path.Combine(dir, "vgg19_first_five_conv_layers.pth"));
        var fromSafeTensors = SafeTensors.Load(Path.Combine(dir, "vgg19_features_0-10.safetensors"));
        Assert.Equal(10, fromPth.State.Count);
        WeightsFixtures.AssertSameTensors(fromSafeTensors, fromPth.State);
        Assert.Equal(["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1"], fromPth.Covered.Select(c => c.Name));
        fromPth.Require(11, "tap relu3_1");
    }

    [SharedFact("weights", "lpips-v0.1", "vgg.pth")]
    public void SharedLpipsLegacyCheckpointLoads()
    {
        var sd = StateDict.Load(TestPaths.SharedPath("weights", "lpips-v0.1", "vgg.pth")!);
        Assert.Equal(5, sd.Count);
        long[] channels = [64, 128, 256, 512, 512];
        for (var i = 0; i < 5; i++)
            Assert.Equal(new long[] { 1, channels[i], 1, 1 }, sd[$"lin{i}.model.1.weight"].shape);
        Assert.All(sd.Values, t => Assert.Equal(ScalarType.Float32, t.dtype));
    }
}
