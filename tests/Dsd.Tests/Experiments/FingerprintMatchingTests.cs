using Dsd.Dissimilarity;
using Dsd.Experiments;
using Dsd.Features;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Experiments;

/// <summary>Both objectives run once on 40×40 images with the committed (seeded random) VGG; the facts read the runs.</summary>
public sealed class MatchingRuns : IDisposable
{
    public MatchingRuns()
    {
        Vgg = new Vgg19Features(DsdOptions.Fingerprint.Layers, GoldenSet.Random.Vgg);
        Content = ExperimentImages.Smooth(40, 1);
        Reference = ExperimentImages.Textured(40, 2);
        Dsd = Run(MatchingObjective.Dsd);
        Style = Run(MatchingObjective.Style);
    }

    public const int Steps = 40;

    public Vgg19Features Vgg { get; }
    public Tensor Content { get; }
    public Tensor Reference { get; }
    public MatchingResult Dsd { get; }
    public MatchingResult Style { get; }

    MatchingResult Run(MatchingObjective objective) =>
        new FingerprintMatching(Vgg, new MatchingOptions { Steps = Steps, LearningRate = 0.1, Objective = objective }).Run(Content, Reference);

    public void Dispose()
    {
        Dsd.Dispose();
        Style.Dispose();
        Content.Dispose();
        Reference.Dispose();
        Vgg.Dispose();
    }
}

public class FingerprintMatchingTests(MatchingRuns runs) : IClassFixture<MatchingRuns>
{
    [Fact]
    public void MatchedFingerprintDistanceFallsEightfold()
    {
        var steps = runs.Dsd.Steps;
        Assert.Equal(MatchingRuns.Steps + 1, steps.Count);
        Assert.True(steps[^1].DsdDistance < steps[0].DsdDistance / 8, $"DSD distance {steps[0].DsdDistance:G4} → {steps[^1].DsdDistance:G4}");
    }

    [Fact]
    public void FirstRowMeasuresTheContentImageItself()
    {
        // Row 0 is measured before any update, so it equals D_DSD over the pairs computed independently.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double expected = 0;
        foreach (var (fine, coarse) in ScalePair.Paper)
        {
            var x = MultiScaleGrams.Compute(runs.Vgg, runs.Content.clamp(PixelParametrisation.Margin, 1 - PixelParametrisation.Margin), [fine, coarse], DsdOptions.Fingerprint.Layers);
            var y = MultiScaleGrams.Compute(runs.Vgg, runs.Reference, [fine, coarse], DsdOptions.Fingerprint.Layers);
            foreach (var l in DsdOptions.Fingerprint.Layers)
                expected += ((x[(fine, l)] - x[(coarse, l)]) - (y[(fine, l)] - y[(coarse, l)])).abs().mean().item<float>();
        }
        Close.Scalar(expected, runs.Dsd.Steps[0].DsdDistance, rtol: 1e-4, what: "row 0");
    }

    [Fact]
    public void StyleObjectiveGivesAnotherImageEachWinningItsOwnObjective()
    {
        var difference = (runs.Dsd.Image - runs.Style.Image).abs().mean().item<float>();
        Assert.True(difference > 0.01, $"mean |DSD result − style result| = {difference:G4}");
        Assert.True(runs.Dsd.Steps[^1].DsdDistance < runs.Style.Steps[^1].DsdDistance, "the DSD run should match the fingerprint better");
        Assert.True(runs.Style.Steps[^1].StyleDistance < runs.Dsd.Steps[^1].StyleDistance, "the style run should match the Grams better");
    }

    [Fact]
    public void ResultStaysAValidImage()
    {
        Assert.True(runs.Dsd.Image.min().item<float>() > 0 && runs.Dsd.Image.max().item<float>() < 1);
        Assert.Equal(runs.Content.shape, runs.Dsd.Image.shape);
    }

    [Fact]
    public void ScalePairsParseAndRejectBadOnes()
    {
        Assert.Equal([new ScalePair(1, 2), new ScalePair(2, 4)], ScalePair.ParseList("1-2, 2-4"));
        var e = Assert.Throws<DsdException>(() => ScalePair.ParseList("2-1"));
        Assert.Contains("'2-1'", e.Message);
    }
}
