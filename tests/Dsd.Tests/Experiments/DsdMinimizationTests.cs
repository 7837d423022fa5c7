using Dsd.Dissimilarity;
using Dsd.Experiments;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Experiments;

public class DsdMinimizationTests
{
    [Fact]
    public void DsdNormFallsOverTheFirstStepsAndSavesTheListedSteps()
    {
        using var vgg = new Vgg19Features(DsdOptions.Fingerprint.Layers, GoldenSet.Random.Vgg);
        using var start = ExperimentImages.Textured(48, 3);
        var saved = new List<(int Step, double Change)>();
        var options = new MinimizationOptions { SaveSteps = [4, 12], LearningRate = 0.05 };
        using var result = new DsdMinimization(vgg, options).Run(start, onSave: (step, x) => saved.Add((step, (x - start).abs().mean().item<float>())));

        Assert.Equal(13, result.Steps.Count);
        var norms = result.Steps.Select(s => s.DsdNorm).ToList();
        Assert.True(norms[12] < 0.7 * norms[0], $"‖DSD‖₁ {norms[0]:G4} → {norms[12]:G4}");
        Assert.True(norms[4] < norms[0]);
        Assert.Equal([4, 12], saved.Select(s => s.Step));
        Assert.True(saved[1].Change > saved[0].Change, "the image moves further from the start with more steps");
        // Distance to the start grows from (almost) nothing.
        Assert.True(result.Steps[0].RmseToStart < 1e-3);
        Assert.True(result.Steps[12].RmseToStart > result.Steps[1].RmseToStart);
        Assert.True(result.Steps[12].PsnrYToStart < result.Steps[1].PsnrYToStart);
    }

    [Fact]
    public void RowZeroIsTheNormOfTheStartImage()
    {
        using var vgg = new Vgg19Features(DsdOptions.Fingerprint.Layers, GoldenSet.Random.Vgg);
        using var start = ExperimentImages.Textured(32, 4).clamp(PixelParametrisation.Margin, 1 - PixelParametrisation.Margin);
        using var result = new DsdMinimization(vgg, new MinimizationOptions { SaveSteps = [1] }).Run(start);
        using var print = Fingerprint.Compute(vgg, start, new DsdOptions(DsdOptions.Fingerprint.Layers, [4]));
        var expected = DsdOptions.Fingerprint.Layers.Sum(l => (double)print.MeanAbs(4, l).item<float>());
        Close.Scalar(expected, result.Steps[0].DsdNorm, rtol: 1e-4, what: "row 0");
    }
}
