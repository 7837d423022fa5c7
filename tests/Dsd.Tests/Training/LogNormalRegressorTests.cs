using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Dsd.Regressor;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Training;

/// <summary>psi trained as a log-normal per layer (--target log-normal) and the calibration of the no-reference form.</summary>
[Collection(SerialCollection.Name)]
public class LogNormalRegressorTests
{
    [Fact]
    public void TheLossIsTheGaussianNegativeLogLikelihoodOfTheLogNorms()
    {
        // One sample, four layers: μ = log t for two layers (only log σ counts), off by ln 2 for the others.
        var targets = tensor(new float[] { 1e-3f, 2e-3f, 4e-3f, 8e-3f }).view(1, 4);
        var mu = new[] { Math.Log(1e-3), Math.Log(2e-3), Math.Log(2e-3), Math.Log(4e-3) };
        var logSigma = new[] { 0.0, -1.0, 0.5, Math.Log(Math.Log(2)) };
        var output = tensor(mu.Concat(logSigma).Select(v => (float)v).ToArray()).view(1, 8);
        var expected = Enumerable.Range(0, 4).Select(l =>
        {
            var z = (Math.Log(targets[0, l].item<float>()) - mu[l]) / Math.Exp(logSigma[l]);
            return 0.5 * z * z + logSigma[l];
        }).Average();
        Close.Scalar(expected, RegressorTrainer.Loss(output, targets, RegressorTarget.LogNormal).item<float>(), rtol: 1e-5, what: "NLL");
        // For a fixed μ the loss is smallest where σ equals the error: the spread learns how far off μ is.
        double At(double s) => RegressorTrainer.Loss(tensor(new float[] { (float)mu[3], 0, 0, 0, (float)Math.Log(s), 0, 0, 0 }).view(1, 8),
            tensor(new float[] { 8e-3f, 1, 1, 1 }).view(1, 4), RegressorTarget.LogNormal).item<float>();
        Assert.True(At(Math.Log(2)) < At(0.5 * Math.Log(2)) && At(Math.Log(2)) < At(2 * Math.Log(2)));
    }

    [Fact]
    public void ALogNormalRunStartsAtTheConstantPredictorResumesExactlyAndLoadsWithItsTarget()
    {
        using var f = new TrainingFixture();
        var config = f.Config(6) with { Target = RegressorTarget.LogNormal, Bank = 6 };
        var once = Path.Combine(f.Root, "once");
        var split = Path.Combine(f.Root, "split");
        PsiRuns.Start(config, once, f.Vgg, CPU);
        PsiRuns.Start(config with { Steps = 3 }, split, f.Vgg, CPU);
        PsiRuns.Resume(split, f.Vgg, CPU, steps: 6);
        var a = PsiRuns.State(once);
        var b = PsiRuns.State(split);
        foreach (var key in a.Keys) Assert.True(a[key].eq(b[key]).all().item<bool>(), $"{key} differs after resume");

        using var psi = NoReferenceRegressor.FromFile(Path.Combine(once, RegressorCheckpoint.WeightsFileName));
        Assert.Equal(RegressorTarget.LogNormal, psi.Target);
        // After six small steps psi is still close to where it started: μ near the mean log target, σ near their spread.
        using var bank = SafeTensors.Load(Path.Combine(once, "bank.safetensors")) is var t ? new CropBank(t["inputs"], t["targets"]) : null;
        var (norms, logMean, logSpread) = psi.Predict(bank!.Inputs);
        var logs = bank.Targets.log();
        var meanError = (logMean.mean([0]) - logs.mean([0])).abs().max().item<float>();
        Assert.True(meanError < 0.5, $"μ is {meanError} from the mean log target");
        Assert.True(logSpread!.min().item<float>() > 0 && norms.min().item<float>() > 0);
    }

    [Fact]
    public void CalibrationOrdersTheTrainingPairsAtLeastAsWellAsTheZScoreForm()
    {
        using var f = new TrainingFixture(images: 4, side: 48);
        PsiRuns.Start(f.Config(4) with { Target = RegressorTarget.LogNormal, Bank = 8 }, f.Out, f.Vgg, CPU);
        using var psi = NoReferenceRegressor.FromFile(Path.Combine(f.Out, RegressorCheckpoint.WeightsFileName));
        var metric = new NoReferenceDsd(psi, f.Vgg, alpha: 4, tile: 32, form: NoReferenceForm.ZScore);
        using var images = TrainingImages.Load([f.Data], 32);
        var settings = new CalibrationSettings { Groups = 10, HeldOut = 0.2, Iterations = 300 };
        var z = CalibrationTrainer.ZScores(metric, images, settings);
        Assert.Equal(10, z.Length);
        Assert.All(z, g => Assert.Equal(9 * 4, g.Length));
        var result = CalibrationTrainer.Fit(z, settings);
        Assert.Equal(8 * 12, result.TrainPairs);
        Assert.Equal(2 * 12, result.HeldOutPairs);
        Assert.Equal(NoReferenceCalibration.QuadraticFeatureCount, result.Calibration.Weights.Length);
        Assert.All(result.Calibration.Weights, w => Assert.True(double.IsFinite(w)));
        Assert.NotEqual(NoReferenceCalibration.StartingPoint(quadratic: true).Weights, result.Calibration.Weights);
        Assert.Equal(["blur", "noise", "jpeg", "resample"], result.PerKind.Keys);
        // The same z-scores refit without the products: 14 weights, the same pairs.
        var linear = CalibrationTrainer.Fit(z, settings with { Quadratic = false });
        Assert.Equal(NoReferenceCalibration.FeatureCount, linear.Calibration.Weights.Length);
        Assert.Equal(result.AccuracyBefore, linear.AccuracyBefore);
        Assert.InRange(result.AccuracyAfter, 0, 1);
    }
}
