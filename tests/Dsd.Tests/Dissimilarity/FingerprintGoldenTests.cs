using Dsd.Dissimilarity;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Dissimilarity;

/// <summary>docs/method.md §1–2 against the authors' code: fingerprints and DSD losses (golden fingerprint/*, loss/dsd_*).</summary>
public class FingerprintGoldenTests
{
    static readonly string[] Layers = ["relu1_2", "relu2_1", "relu2_2", "relu3_1"];

    public static TheoryData<string> LossCases => new() { "dsd_iqa", "dsd_sr", "dsd_sr_two_scales" };

    [Fact]
    public void RandomWeightsFingerprintMatchesReference() => CheckFingerprint(GoldenSet.Random);

    [SharedFact("golden", "pretrained")]
    public void PretrainedFingerprintMatchesReference() => CheckFingerprint(GoldenSet.Pretrained);

    [Theory]
    [MemberData(nameof(LossCases))]
    public void RandomWeightsLossMatchesReference(string name) => CheckLoss(GoldenSet.Random, name);

    [SharedFact("golden", "pretrained")]
    public void PretrainedLossesMatchReference()
    {
        foreach (var name in LossCases) CheckLoss(GoldenSet.Pretrained, name);
    }

    [Fact]
    public void MeanAbsEqualsGoldenL1Mean()
    {
        var golden = GoldenSet.Random;
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(golden.Directory, "golden.json")));
        using var print = Fingerprint.Compute(new Vgg19Features(Layers, golden.Vgg), golden["images/ref_crop"], DsdOptions.Fingerprint);
        foreach (var alpha in new[] { 2, 4 })
            foreach (var layer in Layers)
            {
                var expected = json.RootElement.GetProperty("cases").GetProperty($"fingerprint/alpha{alpha}").GetProperty(layer).GetProperty("l1_mean").GetDouble();
                Close.Scalar(expected, print.MeanAbs(alpha, layer).item<float>(), what: $"alpha{alpha}/{layer}");
            }
    }

    [Fact]
    public void DistanceOfAnImageToItselfIsZeroAndSymmetric()
    {
        var golden = GoldenSet.Random;
        var vgg = new Vgg19Features(DsdOptions.ImageQuality.Layers, golden.Vgg);
        var x = golden["images/ref_crop"];
        var y = golden["images/dist_crop"];
        Assert.Equal(0, DsdDistance.Between(vgg, x, x, DsdOptions.ImageQuality).item<float>());
        var xy = DsdDistance.Between(vgg, x, y, DsdOptions.ImageQuality).item<float>();
        var yx = DsdDistance.Between(vgg, y, x, DsdOptions.ImageQuality).item<float>();
        Assert.True(xy > 0);
        Assert.Equal(xy, yx, 6);
    }

    [Fact]
    public void TooSmallImageIsRejectedWithTheMinimum()
    {
        var vgg = new Vgg19Features(DsdOptions.Fingerprint.Layers, GoldenSet.Random.Vgg);
        // relu3_1 is after two poolings (stride 4); x↓4 must keep 4 pixels: 16 is the minimum side.
        Assert.Equal(16, Fingerprint.MinimumSide(vgg, DsdOptions.Fingerprint));
        var e = Assert.Throws<DsdException>(() => Fingerprint.Compute(vgg, rand(1, 3, 15, 40), DsdOptions.Fingerprint));
        Assert.Contains("16×16", e.Message);
    }

    [Fact]
    public void CachedTargetGivesTheSameLossAsRecomputing()
    {
        var golden = GoldenSet.Random;
        var loss = new DsdLoss(new Vgg19Features(DsdOptions.RestorationLoss.Layers, golden.Vgg));
        using var target = loss.Target(golden["images/ref_crop"]);
        var a = loss.Forward(golden["images/dist_crop"], target).item<float>();
        var b = loss.Forward(golden["images/dist_crop"], golden["images/ref_crop"]).item<float>();
        Assert.Equal(a, b);
    }

    static void CheckFingerprint(GoldenSet golden)
    {
        using var print = Fingerprint.Compute(new Vgg19Features(Layers, golden.Vgg), golden["images/ref_crop"], DsdOptions.Fingerprint);
        foreach (var (name, value) in print.ToNamedTensors())
            Close.Tensor(golden[$"fingerprint/{name}"], value, what: name);
    }

    static void CheckLoss(GoldenSet golden, string name)
    {
        var options = name switch
        {
            "dsd_iqa" => DsdOptions.ImageQuality,
            "dsd_sr" => DsdOptions.RestorationLoss,
            "dsd_sr_two_scales" => DsdOptions.RestorationLoss with { Alphas = [2, 4] },
            _ => throw new ArgumentException(name),
        };
        var loss = new DsdLoss(new Vgg19Features(options.Layers, golden.Vgg), options);
        var input = golden["images/dist_crop"].clone().requires_grad_(true);
        var value = loss.Forward(input, golden["images/ref_crop"]);
        value.backward();
        Close.Scalar(golden[$"loss/{name}/value"].item<float>(), value.item<float>(), what: name);
        Close.Gradient(golden[$"loss/{name}/grad_input"], input.grad!, what: name + " gradient");
    }
}
