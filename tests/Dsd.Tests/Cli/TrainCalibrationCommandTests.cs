using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Dsd.Tests.Training;
using Dsd.Regressor;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Cli;

/// <summary><c>dsd train calibration</c>: writes psi with its calibration, keeps the z-scores and refits from them.</summary>
[Collection(CliHarness.Name)]
public class TrainCalibrationCommandTests
{
    [Fact]
    public void CalibrationWritesACalibratedPsiAndRefitsFromTheKeptZScores()
    {
        using var f = new TrainingFixture(images: 2, side: 160);
        PsiRuns.Start(f.Config(2) with { Alpha = 2, Target = RegressorTarget.LogNormal, Bank = 4 }, f.Out, f.Vgg, CPU);
        var psi = Path.Combine(f.Out, RegressorCheckpoint.WeightsFileName);
        var zscores = Path.Combine(f.Root, "z.json");
        string[] Args(string output, params string[] extra) =>
            ["train", "calibration", "--regressor", psi, "--train", f.Data, "--alpha", "2", "--groups", "5", "--zscores", zscores,
             "--out", output, "--vgg-weights", CliHarness.GoldenWeights, .. extra];

        var quadratic = Path.Combine(f.Root, "psi-quadratic.safetensors");
        var (code, stdout, stderr) = CliHarness.Run(Args(quadratic));
        Assert.True(code == 0, stderr);
        Assert.Contains("held-out pairs ordered right", stdout);
        Assert.True(File.Exists(zscores));
        Assert.Equal(NoReferenceCalibration.QuadraticFeatureCount, NoReferenceCalibration.TryRead(quadratic)!.Weights.Length);
        // The weights themselves are psi's, unchanged; the metadata keeps α.
        var before = SafeTensors.Load(psi);
        var after = SafeTensors.Load(quadratic);
        foreach (var (k, v) in before) Assert.True(v.eq(after[k]).all().item<bool>(), k);
        Assert.Equal("2", SafeTensors.LoadMetadata(quadratic)["alpha"]);

        var linear = Path.Combine(f.Root, "psi-linear.safetensors");
        (code, _, stderr) = CliHarness.Run(Args(linear, "--quadratic", "false"));
        Assert.True(code == 0, stderr);
        Assert.Contains($"from {zscores}", stderr); // no VGG this time
        Assert.Equal(NoReferenceCalibration.FeatureCount, NoReferenceCalibration.TryRead(linear)!.Weights.Length);

        // A norm psi cannot be calibrated: it predicts no spread.
        var norm = Path.Combine(f.Root, "norm.safetensors");
        using (var n = new NoReferenceRegressor()) SafeTensors.Save(norm, NetworkWeights.ReferenceStateDict(n), new Dictionary<string, string> { ["alpha"] = "2" });
        (code, _, stderr) = CliHarness.Run(["train", "calibration", "--regressor", norm, "--data", f.Data, "--alpha", "2", "--out", linear,
            "--vgg-weights", CliHarness.GoldenWeights]);
        Assert.Equal(1, code);
        Assert.Contains("log-normal", stderr);
    }
}
