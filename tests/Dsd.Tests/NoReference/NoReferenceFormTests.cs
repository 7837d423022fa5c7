using Dsd.Features;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.NoReference;

/// <summary>docs/method.md §3: the forms of the no-reference score, from psi's prediction and the measured norms.</summary>
public class NoReferenceFormTests
{
    static Vgg19Features Vgg => new(NoReferenceRegressor.Layers, GoldenSet.Random.Vgg);

    /// <summary>A fresh log-normal psi whose last-layer biases are set, so that μ and σ are known numbers.</summary>
    static NoReferenceRegressor LogNormalPsi(double[] mu, double[] sigma)
    {
        var psi = new NoReferenceRegressor(generator: new Generator(3), target: RegressorTarget.LogNormal);
        using (no_grad())
        {
            foreach (var (name, p) in psi.named_parameters())
                if (name.StartsWith("classifier.2", StringComparison.Ordinal))
                {
                    p.zero_();
                    if (name.EndsWith("bias", StringComparison.Ordinal)) p.copy_(tensor(mu.Concat(sigma.Select(v => Math.Log(v))).Select(v => (float)v).ToArray()));
                }
        }
        return psi;
    }

    [Fact]
    public void EveryFormIsItsFormulaOnTheMeasuredNorms()
    {
        double[] mu = [-6, -7, -6.5, -8], sigma = [0.5, 0.25, 1, 2];
        var metric = new NoReferenceDsd(LogNormalPsi(mu, sigma), Vgg, alpha: 4, tile: 0);
        var image = rand(2, 3, 32, 32, generator: new Generator(5));
        using var result = metric.Evaluate(image);
        var m = result.Measured.to_type(ScalarType.Float64).data<double>().ToArray();
        for (var b = 0; b < 2; b++)
        {
            var logGap = Enumerable.Range(0, 4).Select(l => Math.Log(m[4 * b + l]) - mu[l]).ToArray();
            var paper = Enumerable.Range(0, 4).Select(l => Math.Abs(Math.Exp(mu[l]) - m[4 * b + l])).Average();
            Close.Scalar(paper, result.ScoreIn(NoReferenceForm.Paper)[b].item<float>(), rtol: 1e-4, what: "paper");
            Close.Scalar(logGap.Select(Math.Abs).Average(), result.ScoreIn(NoReferenceForm.Log)[b].item<float>(), rtol: 1e-4, what: "log");
            Close.Scalar(logGap.Select((g, l) => Math.Abs(g) / sigma[l]).Average(), result.ScoreIn(NoReferenceForm.ZScore)[b].item<float>(), rtol: 1e-4, what: "zscore");
            Close.Scalar(result.ScoreIn(NoReferenceForm.ZScore)[b].item<float>(),
                result.ScoreIn(NoReferenceForm.Calibrated, NoReferenceCalibration.ZScore)[b].item<float>(), rtol: 1e-5, what: "z-score weights");
        }
    }

    [Fact]
    public void CalibrationFeaturesAreAbsoluteSignedAndPairwiseDifferences()
    {
        var features = NoReferenceCalibration.Features(tensor(new double[] { 1, -2, 0, 3 }).view(1, 4)).data<double>().ToArray();
        Assert.Equal([1, 2, 0, 3, 1, -2, 0, 3, 3, 1, 2, 2, 5, 3], features);
        // With the products z_i·z_j (i ≤ j) appended; a calibration of 24 weights uses them.
        var quadratic = NoReferenceCalibration.Features(tensor(new double[] { 1, -2, 0, 3 }).view(1, 4), quadratic: true).data<double>().ToArray();
        Assert.Equal([.. features, 1, -2, 0, 3, 4, 0, -6, 0, 0, 9], quadratic);
        Assert.True(new NoReferenceCalibration(new double[24]).Quadratic);
        var w = Enumerable.Range(1, 14).Select(i => (double)i).ToArray();
        Close.Scalar(features.Zip(w, (f, x) => f * x).Sum(),
            new NoReferenceCalibration(w).Score(tensor(new double[] { 1, -2, 0, 3 }).view(1, 4)).item<double>(), what: "w · φ");
    }

    [Fact]
    public void FormsThatNeedASpreadRefuseANormPsi()
    {
        var e = Assert.Throws<DsdException>(() => new NoReferenceDsd(new NoReferenceRegressor(), Vgg, form: NoReferenceForm.ZScore));
        Assert.Equal(DsdErrorKind.Usage, e.Kind);
        Assert.Contains("--noref-form paper", e.Message);
        e = Assert.Throws<DsdException>(() => new NoReferenceDsd(LogNormalPsi([-6, -6, -6, -6], [1, 1, 1, 1]), Vgg, form: NoReferenceForm.Calibrated));
        Assert.Contains("calibration", e.Message);
        Assert.Equal(NoReferenceForm.ZScore, NoReferenceForms.Parse(" ZScore "));
        Assert.Equal(DsdErrorKind.Usage, Assert.Throws<DsdException>(() => NoReferenceForms.Parse("ratio")).Kind);
    }

    [Fact]
    public void TheTargetIsReadFromTheFileAndTheCalibrationTravelsInItsMetadata()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dsd-forms-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var psiPath = Path.Combine(folder, "psi.safetensors");
            // The module is held while its tensors are written: a collected module disposes its parameters.
            using var psi = LogNormalPsi([-6, -7, -6.5, -8], [0.5, 0.25, 1, 2]);
            SafeTensors.Save(psiPath, NetworkWeights.ReferenceStateDict(psi), new Dictionary<string, string> { ["alpha"] = "4" });
            Assert.Equal(RegressorTarget.LogNormal, NoReferenceRegressor.TargetOf(psiPath));
            Assert.Null(NoReferenceCalibration.TryRead(psiPath));
            var options = new MetricOptions { RegressorPath = psiPath };
            Assert.Equal(NoReferenceForm.ZScore, NoReferenceDsd.FormFor(options));

            var calibrated = Path.Combine(folder, "psi-calibrated.safetensors");
            var calibration = new NoReferenceCalibration([0.1, 0.2, 0.3, 0.4, -0.1, 0, 0.1, 0, 0, 0.05, 0, 0, 0, 0.2]);
            calibration.SaveWith(psiPath, calibrated);
            Assert.Equal(calibration.Weights, NoReferenceCalibration.TryRead(calibrated)!.Weights);
            Assert.Equal("4", SafeTensors.LoadMetadata(calibrated)["alpha"]);
            var metric = NoReferenceDsd.Create(new MetricOptions { RegressorPath = calibrated }, Vgg);
            Assert.Equal(NoReferenceForm.Calibrated, metric.Form);
            Assert.Equal(NoReferenceForm.Log, NoReferenceDsd.Create(new MetricOptions { RegressorPath = calibrated, NoReferenceForm = NoReferenceForm.Log }, Vgg).Form);

            var broken = Path.Combine(folder, "broken.safetensors");
            SafeTensors.Save(broken, SafeTensors.Load(psiPath), new Dictionary<string, string> { [NoReferenceCalibration.MetadataKey] = "[1, 2]" });
            Assert.Equal(DsdErrorKind.Weights, Assert.Throws<DsdException>(() => NoReferenceCalibration.TryRead(broken)).Kind);

            // The reference's psi (norms) keeps the paper's form by default.
            var norm = Path.Combine(folder, "norm.safetensors");
            using var normPsi = new NoReferenceRegressor();
            SafeTensors.Save(norm, NetworkWeights.ReferenceStateDict(normPsi));
            Assert.Equal(NoReferenceForm.Paper, NoReferenceDsd.FormFor(new MetricOptions { RegressorPath = norm }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
