using Dsd.Distances;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Distances;

/// <summary>SPEC §6 distances against the authors' loss modules (golden loss/*): value to 1e-4, input gradient to 1e-3.</summary>
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
