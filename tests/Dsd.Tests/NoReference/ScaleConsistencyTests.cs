using Dsd.Imaging;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dsd.Tests.NoReference;

/// <summary>
/// The consistency form of noref-dsd (issue 21, round 4): a linear function of how each layer's energy falls across
/// x, x↓α, x↓α² and of psi's μ, with the weights the shipped α = 4 psi carries.
/// </summary>
public class ScaleConsistencyTests(ITestOutputHelper output)
{
    static NoReferenceDsd Metric() => (NoReferenceDsd)MetricCatalog.Create("noref-dsd", new MetricOptions
    {
        NoReferenceAlpha = 4, NoReferenceForm = NoReferenceForm.Consistency, VggWeights = Dsd.Weights.VggWeights.Embedded(),
    });

    [Fact]
    public void OnTheSamplePhotoNoiseAndBlurBothScoreWorseTheStrongerTheyAre()
    {
        var metric = Metric();
        using var photo = ImageIo.Load(Path.Combine(BlankFrameGuardTests.Samples, "chelsea.png"));
        var clean = metric.Score(photo, null);
        // Noise σ 2 of 255 is within a hair of the clean photo here (−0.24624 against −0.24617): σ 4 and 7 are ranked.
        foreach (var (kind, levels) in new[] { (DistortionKind.Noise, new[] { 4.0, 7 }), (DistortionKind.Blur, new[] { 0.5, 0.8, 1.2 }) })
        {
            var scores = new List<double> { clean };
            foreach (var level in levels)
            {
                using var copy = SyntheticDistortion.Apply(photo, kind, level, seed: 1);
                scores.Add(metric.Score(copy, null));
            }
            output.WriteLine($"{kind}: {string.Join(", ", scores.Select(s => s.ToString("F4")))}");
            // The issue's ladder levels (noise σ in grey levels, blur σ in pixels): each step scores worse than the one before.
            for (var i = 1; i < scores.Count; i++) Assert.True(scores[i] > scores[i - 1], $"{kind}: {string.Join(", ", scores)}");
        }
    }

    [Fact]
    public void TheScoreIsTheDocumentedLinearFunctionOfTheTraceRatiosAndMu()
    {
        var weights = new ScaleConsistency
        {
            Alpha = 4, Intercept = 0.5, R1 = [1, -2, 3, 0.5], R2 = [0.25, 0, -1, 2], Mu = [-1, 1, 0.5, 0], LogTrace1 = [0, 0.1, -0.2, 0.3], Ceiling = 7, Floor = -5,
        };
        var gen = new Generator(3);
        using var traces = rand([2, 3, 4], generator: gen, dtype: ScalarType.Float64) + 0.01;
        using var mu = randn([2, 4], generator: gen, dtype: ScalarType.Float64);
        using var score = weights.Score(traces, mu);
        var t = traces.data<double>().ToArray();
        var m = mu.data<double>().ToArray();
        for (var b = 0; b < 2; b++)
        {
            double T(int k, int l) => Math.Log(t[b * 12 + k * 4 + l]);
            var expected = 0.5;
            for (var l = 0; l < 4; l++)
                expected += weights.R1[l] * (T(0, l) - T(1, l)) + weights.R2[l] * (T(1, l) - T(2, l)) + weights.Mu[l] * m[b * 4 + l] + weights.LogTrace1[l] * T(1, l);
            Assert.Equal(expected, score[b].item<double>(), 10);
        }
        using var folded = weights.Fold(tensor(new[] { -6.0, -5.0, 1.0 }));
        Assert.Equal([-1.0, -5.0, 1.0], folded.data<double>().ToArray());
    }

    [Fact]
    public void BlankFramesScoreWorseThanThePhotoAndTooSmallImagesAreRefused()
    {
        var metric = Metric();
        Assert.Equal(NoReferenceForm.Consistency, metric.Form);
        using var photo = ImageIo.Load(Path.Combine(BlankFrameGuardTests.Samples, "chelsea.png"));
        var clean = metric.Score(photo, null);
        foreach (var (name, frame) in BlankFrameGuardTests.BlankFrames())
            using (frame)
                if (frame.shape[2] >= ScaleConsistency.MinimumSide(4) && frame.shape[3] >= ScaleConsistency.MinimumSide(4))
                    Assert.True(metric.Score(frame, null) > clean, name);
        // Random 8-pixel blocks: far outside anything natural on the "too sharp" side, where the linear form alone would
        // score them better than every photo; the floor folds them back.
        using var blocks = nn.functional.interpolate(rand(1, 3, 40, 40, generator: new Generator(5)), scale_factor: [8, 8], mode: InterpolationMode.Nearest);
        Assert.True(metric.Score(blocks, null) > clean, "random blocks");
        using var small = rand(1, 3, 48, 48);
        var e = Assert.Throws<DsdException>(() => metric.Score(small, null));
        Assert.Equal(DsdErrorKind.InvalidInput, e.Kind);
        Assert.Contains("needs at least 64×64", e.Message);
    }

    [Fact]
    public void WeightsAreReadFromThePsiFileAndCheckedThere()
    {
        foreach (var alpha in new[] { 2, 4 }) Assert.Equal(alpha, ScaleConsistency.TryRead(ShippedRegressors.PathFor(alpha)!)!.Alpha);
        var dir = Directory.CreateTempSubdirectory("dsd-consistency-").FullName;
        var bad = Path.Combine(dir, "psi.safetensors");
        using var t = zeros(1);
        SafeTensors.Save(bad, new Dictionary<string, Tensor> { ["x"] = t }, new Dictionary<string, string> { [ScaleConsistency.MetadataKey] = """{"alpha":4,"r1":[1,2]}""" });
        var e = Assert.Throws<DsdException>(() => ScaleConsistency.TryRead(bad));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains(bad, e.Message);
    }
}
