using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Quality;

/// <summary>docs/method.md §3: the no-reference DSD against the authors' evaluator (golden noref/*).</summary>
public class NoReferenceDsdTests
{
    static NoReferenceDsd Metric(GoldenSet golden, int? tile = null)
    {
        var psi = new NoReferenceRegressor();
        NetworkWeights.Load(psi, golden.WeightsUnder("regressor/"), "golden regressor/");
        return new NoReferenceDsd(psi, new Vgg19Features(NoReferenceRegressor.Layers, golden.Vgg), alpha: 4, tile);
    }

    [Fact]
    public void TiledScoreOfTheFourCropsSideBySideIsTheEvaluatorsMeanOverCrops()
    {
        var golden = GoldenSet.Random;
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(golden.Directory, "golden.json")));
        var expected = json.RootElement.GetProperty("cases").GetProperty("noref").GetProperty("score_mean_layers").GetDouble();
        var c = golden["noref/crops"];
        var image = cat([cat([c[0..1], c[1..2]], 3), cat([c[2..3], c[3..4]], 3)], 2); // 160×160, one crop per quadrant
        Close.Scalar(expected, Metric(golden, tile: 80).Score(image, null), what: "mean over 80×80 tiles");
        // Scored whole, the same pixels give another value: the tile size matters.
        Assert.True(Math.Abs(Metric(golden, tile: 0).Score(image, null) - expected) > 0.01 * expected);
    }

    [Theory]
    [InlineData(512, 320, new[] { 0, 192 })]
    [InlineData(320, 320, new[] { 0 })]
    [InlineData(200, 320, new[] { 0 })]
    [InlineData(1000, 320, new[] { 0, 227, 453, 680 })]
    [InlineData(640, 320, new[] { 0, 320 })]
    [InlineData(640, 0, new[] { 0 })]
    public void TilesAreTheFewestThatCoverTheSideSpreadEvenly(int length, int tile, int[] starts) =>
        Assert.Equal(starts, NoReferenceDsd.TileStarts(length, tile));

    [Fact]
    public void RegressorInputIsTheCropsDownscaledByFour()
    {
        var golden = GoldenSet.Random;
        Close.Tensor(golden["noref/regressor_input"], Downscaling.Apply(golden["noref/crops"], 4), what: "crops↓4");
    }

    [Fact]
    public void RandomSetMatchesReference() => Check(GoldenSet.Random);

    [SharedFact("golden", "pretrained")]
    public void PretrainedSetMatchesReference() => Check(GoldenSet.Pretrained);

    [Fact]
    public void ScoreIsTheMeanOverLayersAndTheEvaluatorsSumIsFourTimesIt()
    {
        var golden = GoldenSet.Random;
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(golden.Directory, "golden.json")));
        var noref = json.RootElement.GetProperty("cases").GetProperty("noref");
        using var result = Metric(golden).Evaluate(golden["noref/crops"]);
        // The evaluator averages each layer's gap over the crops, then combines layers.
        Close.Scalar(noref.GetProperty("score_mean_layers").GetDouble(), result.Score.mean().item<float>(), what: "mean");
        Close.Scalar(noref.GetProperty("score_sum_layers").GetDouble(), result.SumOverLayers.mean().item<float>(), what: "sum");
    }

    [Fact]
    public void ScoreOfOneImageIsItsMeanLayerGap()
    {
        var golden = GoldenSet.Random;
        var metric = Metric(golden);
        var crop = golden["noref/crops"][0..1];
        using var result = metric.Evaluate(crop);
        Close.Scalar(result.PerLayer.mean().item<float>(), metric.Score(crop, null), rtol: 1e-6);
    }

    [Fact]
    public void ExtractorWithoutTheFourLayersIsRejected()
    {
        var golden = GoldenSet.Random;
        var e = Assert.Throws<ArgumentException>(() =>
            new NoReferenceDsd(new NoReferenceRegressor(), new Vgg19Features(["relu1_2", "relu2_1"], golden.Vgg)));
        Assert.Contains("relu2_2, relu3_1", e.Message);
    }

    static void Check(GoldenSet golden)
    {
        using var noGrad = no_grad();
        using var result = Metric(golden).Evaluate(golden["noref/crops"]);
        Close.Tensor(golden["noref/regressor_output"], result.Predicted, what: "predicted");
        Close.Tensor(golden["noref/dsd_l1_per_crop_layer"], result.Measured, what: "dsd_l1_per_crop_layer");
        Close.Tensor(golden["noref/score_per_layer"], result.PerLayer.mean([0]), what: "score_per_layer");
    }
}

public class ShippedRegressorTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void ThePsiThatShipsForEachAlphaLoadsStrictlyAndPredictsPositiveNorms(int alpha)
    {
        var path = ShippedRegressors.PathFor(alpha);
        Assert.NotNull(path); // src/Dsd.Core/Models/psi-alpha{α}.safetensors is copied beside the assemblies
        Assert.Equal(alpha.ToString(System.Globalization.CultureInfo.InvariantCulture), Dsd.Serialization.SafeTensors.LoadMetadata(path!)["alpha"]);
        using var psi = Dsd.Networks.NoReferenceRegressor.FromFile(path!);
        // The shipped psi is log-normal and carries a calibration and the consistency weights, its default form.
        Assert.Equal(Dsd.Networks.RegressorTarget.LogNormal, psi.Target);
        Assert.NotNull(NoReferenceCalibration.TryRead(path!));
        Assert.Equal(NoReferenceForm.Consistency, NoReferenceDsd.FormFor(new MetricOptions { NoReferenceAlpha = alpha }));
        var (norms, _, spread) = psi.Predict(TorchSharp.torch.full(2, 3, 80, 80, 0.5f) + TorchSharp.torch.rand(2, 3, 80, 80) * 0.1f);
        Assert.Equal(new long[] { 2, 4 }, norms.shape);
        // ‖DSD‖₁ of natural images is of order 1e-3 on these layers (golden.json); a trained psi predicts that order,
        // and its spread of the log norm is a fraction of one e-fold, not the untrained 1.
        Assert.True(norms.min().item<float>() > 0 && norms.max().item<float>() < 0.1f);
        Assert.True(spread!.min().item<float>() > 0.05f && spread.max().item<float>() < 1f);
    }

    /// <summary>
    /// The README's samples (a CC0 cat photo and two strengths of blur, noise and JPEG, committed): the shipped psi in
    /// its default form scores every distorted copy worse than the photo (issue 15: the paper's form did not).
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(2)]
    public void InTheDefaultFormEveryDistortedSampleScoresWorseThanThePhoto(int alpha)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dsd.slnx"))) root = root.Parent;
        Assert.NotNull(root);
        var samples = Path.Combine(root!.FullName, "samples");
        var metric = MetricCatalog.Create("noref-dsd", new MetricOptions { NoReferenceAlpha = alpha, VggWeights = Dsd.Weights.VggWeights.Embedded() });
        double Score(string file)
        {
            using var image = Dsd.Imaging.ImageIo.Load(Path.Combine(samples, file));
            return metric.Score(image, null);
        }
        var clean = Score("chelsea.png");
        var distorted = new[] { "blur-1.png", "blur-2.png", "noise-1.png", "noise-2.png", "jpeg-1.jpg", "jpeg-2.jpg" }
            .ToDictionary(f => f, f => Score(Path.Combine("distorted", f)));
        foreach (var (file, q) in distorted) Assert.True(q > clean, $"α = {alpha}: {file} scores {q}, the photo {clean}");
        // Blur and noise: the strong copy scores worse than the weak one at both α (JPEG q10 does not at α = 4).
        foreach (var kind in new[] { "blur", "noise" })
            Assert.True(distorted[$"{kind}-2.png"] > distorted[$"{kind}-1.png"], $"α = {alpha}: {kind}-2 vs {kind}-1");
    }
}
