using Dsd.Distances;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Distances;

/// <summary>docs/method.md §6 distances against the authors' loss modules (golden loss/*): value to 1e-4, input gradient to 1e-3.</summary>
public class ComparisonDistanceGoldenTests
{
    public static TheoryData<string> Cases => new() { "style", "sliced_wasserstein", "perceptual_relu2_2", "contextual_relu2_1" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomWeightsMatchReference(string name) => Check(GoldenSet.Random, name);

    [SharedFact("golden", "pretrained")]
    public void PretrainedWeightsMatchReference()
    {
        foreach (var name in Cases) Check(GoldenSet.Pretrained, name);
    }

    static void Check(GoldenSet golden, string name)
    {
        var small = name.StartsWith("contextual", StringComparison.Ordinal);
        var input = golden[small ? "images/dist_small" : "images/dist_crop"].clone().requires_grad_(true);
        var target = golden[small ? "images/ref_small" : "images/ref_crop"];
        var distance = Create(name, golden);
        var loss = distance.Loss(input, target);
        loss.backward();
        Close.Scalar(golden[$"loss/{name}/value"].item<float>(), loss.item<float>(), what: name);
        Close.Gradient(golden[$"loss/{name}/grad_input"], input.grad!, what: name + " gradient");
    }

    static FeatureDistance Create(string name, GoldenSet golden)
    {
        Vgg19Features Vgg(params string[] layers) => new(layers, golden.Vgg);
        return name switch
        {
            "style" => new StyleDistance(Vgg([.. StyleDistance.DefaultLayers])),
            "sliced_wasserstein" => new SlicedWassersteinDistance(Vgg([.. StyleDistance.DefaultLayers])),
            "perceptual_relu2_2" => new PerceptualDistance(Vgg("relu2_2"), ["relu2_2"]),
            "contextual_relu2_1" => new ContextualDistance(Vgg("relu2_1")),
            _ => throw new ArgumentException(name),
        };
    }
}

public class MultiScaleStyleDistanceTests
{
    [Fact]
    public void IsTheSumOfStyleDistancesOverTheScales()
    {
        var golden = GoldenSet.Random;
        var vgg = new Vgg19Features(StyleDistance.DefaultLayers, golden.Vgg);
        var (x, y) = (golden["images/dist_crop"], golden["images/ref_crop"]);
        var style = new StyleDistance(vgg);
        var expected = style.PerImage(x, y).item<float>()
            + style.PerImage(Dsd.Dissimilarity.Downscaling.Apply(x, 2), Dsd.Dissimilarity.Downscaling.Apply(y, 2)).item<float>();
        var multi = new MultiScaleStyleDistance(vgg).PerImage(x, y).item<float>();
        Close.Scalar(expected, multi, rtol: 1e-6);
        // At one scale it is the golden style loss.
        Close.Scalar(golden["loss/style/value"].item<float>(), new MultiScaleStyleDistance(vgg, factors: [1]).Loss(x, y).item<float>());
    }

    [Fact]
    public void GradientReachesTheInputThroughTheDownscaledCopy()
    {
        var golden = GoldenSet.Random;
        var vgg = new Vgg19Features(StyleDistance.DefaultLayers, golden.Vgg);
        var x = golden["images/dist_crop"].clone().requires_grad_(true);
        new MultiScaleStyleDistance(vgg, factors: [2]).Loss(x, golden["images/ref_crop"]).backward();
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }
}
