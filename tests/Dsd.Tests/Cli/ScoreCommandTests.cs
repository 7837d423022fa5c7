using Dsd.NoReference;
using Dsd.Quality;
using System.Text.Json;
using Dsd.Serialization;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Cli;

[Collection(CliHarness.Name)]
public class ScoreCommandTests
{
    static string Golden(string file) => Path.Combine(TestPaths.GoldenRandom, file);

    [Fact]
    public void SinglePairJsonMatchesGoldenDsdDistance()
    {
        var (code, stdout, stderr) = CliHarness.Run("score", "--ref", Golden("ref_crop.png"), "--dist", Golden("dist_crop.png"),
            "--metrics", "dsd", "--format", "json", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var row = doc.RootElement.GetProperty("rows")[0];
        Assert.EndsWith("ref_crop.png", row.GetProperty("ref").GetString());
        // The IQA-default DSD distance of this pair is the golden loss/dsd_iqa value (the PNGs hold the golden pixels).
        Close.Scalar(GoldenSet.Random["loss/dsd_iqa/value"].item<float>(), row.GetProperty("dsd").GetDouble());
        Assert.True(doc.RootElement.GetProperty("metrics").GetProperty("dsd").GetProperty("lower_is_better").GetBoolean());
        Assert.Equal(1, doc.RootElement.GetProperty("summary").GetProperty("dsd").GetProperty("n").GetInt32());
        Assert.Equal(64, doc.RootElement.GetProperty("settings").GetProperty("vgg19_sha256").GetString()!.Length);
    }

    [Fact]
    public void FoldersPairByNameWarnAboutUnpairedAndContinuePastMismatchedSizes()
    {
        var root = Directory.CreateTempSubdirectory("dsd-score-");
        var refs = Directory.CreateDirectory(Path.Combine(root.FullName, "ref")).FullName;
        var dists = Directory.CreateDirectory(Path.Combine(root.FullName, "dist")).FullName;
        File.Copy(Golden("ref_crop.png"), Path.Combine(refs, "a.png"));
        File.Copy(Golden("ref_crop.png"), Path.Combine(refs, "b.png"));
        File.Copy(Golden("ref_crop.png"), Path.Combine(refs, "only-ref.png"));
        File.Copy(Golden("dist_crop.png"), Path.Combine(dists, "a.png"));
        Dsd.Imaging.ImageIo.SavePng(rand(1, 3, 64, 64), Path.Combine(dists, "b.png"));     // wrong size
        File.Copy(Golden("dist_crop.png"), Path.Combine(dists, "z-only-dist.png"));
        var csv = Path.Combine(root.FullName, "out.csv");

        var (code, _, stderr) = CliHarness.Run("score", "--ref", refs, "--dist", dists, "--format", "csv", "--out", csv,
            "--vgg-weights", CliHarness.GoldenWeights);

        Assert.Equal(2, code); // one pair failed, the others were scored
        Assert.Contains("only-ref.png", stderr);
        Assert.Contains("z-only-dist.png", stderr);
        Assert.Contains("differs from reference", stderr);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("ref,dist,dsd,error", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains("a.png", lines[1]);
        Assert.Equal(GoldenSet.Random["loss/dsd_iqa/value"].item<float>(), double.Parse(lines[1].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), 1e-9);
        Assert.Contains("differs from reference", lines[2]);
        Assert.Empty(Directory.GetFiles(root.FullName, "*.tmp"));
    }

    [Fact]
    public void CropsUseTheSamePositionsAndAreReproducible()
    {
        string[] args = ["score", "--ref", Golden("ref_crop.png"), "--dist", Golden("dist_crop.png"), "--crop", "64", "--num-crops", "3",
            "--seed", "7", "--format", "json", "--vgg-weights", CliHarness.GoldenWeights];
        var first = CliHarness.Run(args);
        var second = CliHarness.Run(args);
        Assert.Equal(0, first.Code);
        Assert.Equal(first.Out, second.Out);
        var self = CliHarness.Run("score", "--ref", Golden("ref_crop.png"), "--dist", Golden("ref_crop.png"), "--crop", "64", "--num-crops", "3",
            "--format", "json", "--vgg-weights", CliHarness.GoldenWeights);
        // Same image on both sides and the same crop windows: distance exactly 0.
        Assert.Equal(0, JsonDocument.Parse(self.Out).RootElement.GetProperty("rows")[0].GetProperty("dsd").GetDouble());
    }

    [Fact]
    public void BatchedCropsScoreLikeOneAtATime()
    {
        double Run(string batch)
        {
            var (code, stdout, stderr) = CliHarness.Run("score", "--ref", Golden("ref_crop.png"), "--dist", Golden("dist_crop.png"), "--crop", "48",
                "--num-crops", "5", "--batch", batch, "--metrics", "dsd", "--format", "json", "--vgg-weights", CliHarness.GoldenWeights);
            Assert.True(code == 0, stderr);
            return JsonDocument.Parse(stdout).RootElement.GetProperty("rows")[0].GetProperty("dsd").GetDouble();
        }
        var single = Run("1");
        Assert.True(single > 0);
        Close.Scalar(single, Run("3"), rtol: 1e-5); // batched convolutions may reorder float sums
    }

    [Fact]
    public void MissingReferenceForFullReferenceMetricIsAClearError()
    {
        var (code, _, stderr) = CliHarness.Run("score", "--dist", Golden("dist_crop.png"), "--metrics", "dsd", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(1, code); // a usage mistake (exit-code table), reported before any work
        Assert.Contains("need --ref", stderr);
    }

    [Fact]
    public void UnknownMetricAndCorruptImageAreReported()
    {
        var unknown = CliHarness.Run("score", "--ref", Golden("ref_crop.png"), "--dist", Golden("dist_crop.png"), "--metrics", "lpipz");
        Assert.Equal(1, unknown.Code); // usage
        Assert.Contains("lpipz", unknown.Err);
        var typo = CliHarness.Run("score", "--ref", Golden("ref_crop.png"), "--dist", Golden("dist_crop.png"), "--metrics", "dsd,pnsr-y");
        Assert.Equal(1, typo.Code);
        Assert.Contains("did you mean 'psnr-y'", typo.Err);
        Assert.Single(typo.Err.Trim().Split('\n')); // one line, not the whole help

        var dir = Directory.CreateTempSubdirectory("dsd-score-");
        var broken = Path.Combine(dir.FullName, "broken.png");
        File.WriteAllBytes(broken, File.ReadAllBytes(Golden("dist_crop.png"))[..200]);
        var (code, _, stderr) = CliHarness.Run("score", "--ref", Golden("ref_crop.png"), "--dist", broken, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(2, code);
        Assert.Contains("broken.png", stderr);
    }
}

[Collection(CliHarness.Name)]
public class NoReferenceScoreCommandTests
{
    [Fact]
    public void NoReferenceScoresOfGoldenCropsAverageToTheReferenceEvaluatorsScore()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-noref-");
        var crops = Directory.CreateDirectory(Path.Combine(dir.FullName, "crops")).FullName;
        var golden = GoldenSet.Random;
        for (var i = 0; i < 4; i++) // 8-bit pixels: PNG holds them exactly
            Dsd.Imaging.ImageIo.SavePng(golden["noref/crops"][i], Path.Combine(crops, $"crop{i}.png"));
        var psi = Path.Combine(dir.FullName, "psi.safetensors");
        SafeTensors.Save(psi, golden.WeightsUnder("regressor/"));

        var (code, stdout, stderr) = CliHarness.Run("score", "--dist", crops, "--metrics", "noref-dsd", "--regressor", psi,
            "--format", "json", "--vgg-weights", CliHarness.GoldenWeights);

        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(4, doc.RootElement.GetProperty("rows").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("rows")[0].GetProperty("ref").ValueKind);
        // golden.json noref.score_mean_layers: mean over crops and layers of |psi − ‖DSD_4‖₁|.
        var expected = golden["noref/score_per_layer"].mean().item<float>();
        Close.Scalar(expected, doc.RootElement.GetProperty("summary").GetProperty("noref-dsd").GetProperty("mean").GetDouble());
    }

    [Fact]
    public void TheLogFormIsTheMeanLogGapOfTheGoldenPredictionsAndZScoreNeedsASpread()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-noref-form-");
        var golden = GoldenSet.Random;
        var crops = Directory.CreateDirectory(Path.Combine(dir.FullName, "crops")).FullName;
        for (var i = 0; i < 4; i++)
            Dsd.Imaging.ImageIo.SavePng(golden["noref/crops"][i], Path.Combine(crops, $"crop{i}.png"));
        var psi = Path.Combine(dir.FullName, "psi.safetensors");
        SafeTensors.Save(psi, golden.WeightsUnder("regressor/"));

        var (code, stdout, stderr) = CliHarness.Run("score", "--dist", crops, "--metrics", "noref-dsd", "--regressor", psi,
            "--noref-form", "log", "--format", "json", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        // The reference's psi output and measured norms: mean over crops and layers of |log measured − log predicted|.
        var expected = (golden["noref/dsd_l1_per_crop_layer"].log() - golden["noref/regressor_output"].clamp_min(1e-8).log()).abs().mean().item<float>();
        Close.Scalar(expected, doc.RootElement.GetProperty("summary").GetProperty("noref-dsd").GetProperty("mean").GetDouble(), rtol: 1e-4);
        Assert.Equal("log", doc.RootElement.GetProperty("settings").GetProperty("noref_form").GetString());

        // The reference's psi predicts norms only: forms that need a spread are a usage error naming the way out.
        (code, _, stderr) = CliHarness.Run("score", "--dist", crops, "--metrics", "noref-dsd", "--regressor", psi,
            "--noref-form", "zscore", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(1, code);
        Assert.Contains("--noref-form paper", stderr);
        (code, _, stderr) = CliHarness.Run("score", "--dist", crops, "--metrics", "noref-dsd", "--noref-form", "ratio");
        Assert.Equal(1, code);
        dir.Delete(recursive: true);
    }

    [Fact]
    public void NoReferenceWithoutRegressorWeightsIsAnErrorNotARandomScore()
    {
        // No psi in the models folder and none given: an error, never scores from untrained weights.
        var empty = Directory.CreateTempSubdirectory("dsd-no-models-").FullName;
        try
        {
            var e = Assert.Throws<DsdException>(() => MetricCatalog.Create("noref-dsd",
                new MetricOptions { ModelsFolder = empty, NoReferenceAlpha = 2, VggWeights = GoldenSet.Random.VggWeights }));
            Assert.Equal(DsdErrorKind.Weights, e.Kind);
            Assert.Contains("--regressor", e.Message);
        }
        finally
        {
            Directory.Delete(empty, true);
        }
    }

    [Fact]
    public void PsiTrainedForAnotherAlphaIsAWeightsError()
    {
        var (code, _, stderr) = CliHarness.Run("score", "--dist", Path.Combine(TestPaths.GoldenRandom, "ref_crop.png"), "--metrics", "noref-dsd",
            "--alpha", "2", "--regressor", ShippedRegressors.PathFor(4)!, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(3, code);
        Assert.Contains("trained for α = 4", stderr);
    }

    [Fact]
    public void PsnrAndSsimNeedNoVggWeightsAndReportDirection()
    {
        var g = TestPaths.GoldenRandom;
        var (code, stdout, stderr) = CliHarness.Run("score", "--ref", Path.Combine(g, "ref_crop.png"), "--dist", Path.Combine(g, "ref_crop.png"),
            "--metrics", "psnr-y,ssim", "--format", "json", "--vgg-weights", "/nonexistent/weights.pth");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("inf", doc.RootElement.GetProperty("rows")[0].GetProperty("psnr-y").GetString()); // identical images
        Assert.Equal(1.0, doc.RootElement.GetProperty("rows")[0].GetProperty("ssim").GetDouble(), 12);
        Assert.False(doc.RootElement.GetProperty("metrics").GetProperty("ssim").GetProperty("lower_is_better").GetBoolean());
    }
}
