using Dsd.Imaging;
using Dsd.NoReference;
using Dsd.Quality;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>Settings of <see cref="CalibrationTrainer"/>.</summary>
public sealed record CalibrationSettings
{
    /// <summary>Clean crops; each gets two distorted copies of every <see cref="DistortionKind"/>.</summary>
    public int Groups { get; init; } = 300;

    /// <summary>Seed of the crop positions, strengths and noise.</summary>
    public long Seed { get; init; }

    /// <summary>Fraction of the groups (the last ones) kept out of the fit to measure it.</summary>
    public double HeldOut { get; init; } = 0.2;

    /// <summary>Weight of ‖w − w_zscore‖² in the loss: the fit corrects the z-score form, it does not replace it freely.</summary>
    public double Regularisation { get; init; } = 0.01;

    /// <summary>Add the products z_i·z_j to the features (24 weights instead of 14); the shipped psi for α = 2 has them, the one for α = 4 not.</summary>
    public bool Quadratic { get; init; } = true;

    /// <summary>Full-batch Adam iterations of the fit (the problem has 14 or 24 unknowns).</summary>
    public int Iterations { get; init; } = 2000;
}

/// <summary>Pairwise accuracy (fraction of pairs ordered right) on the held-out groups, before and after the fit.</summary>
public sealed record CalibrationResult(NoReferenceCalibration Calibration, int TrainPairs, int HeldOutPairs,
    double AccuracyBefore, double AccuracyAfter, IReadOnlyDictionary<string, (double Before, double After)> PerKind);

/// <summary>
/// Learns the calibrated no-reference form (<see cref="NoReferenceCalibration"/>) without human labels, as RankIQA
/// does: crops of natural photos, each with a weak and a strong copy of every synthetic distortion at random
/// strengths, and a logistic ranking loss that a distorted copy scores worse than its clean crop and a strong copy
/// worse than the weak one. The features are psi's signed per-layer z-scores, so psi itself is not changed.
/// </summary>
public static class CalibrationTrainer
{
    /// <summary>Strength range drawn uniformly per kind (σ px, σ grey levels, JPEG quality, resampling factor).</summary>
    public static IReadOnlyDictionary<DistortionKind, (double Low, double High)> Ranges { get; } = new Dictionary<DistortionKind, (double, double)>
    {
        [DistortionKind.Blur] = (0.3, 2.0),
        [DistortionKind.Noise] = (1, 12),
        [DistortionKind.Jpeg] = (30, 95),
        [DistortionKind.Resample] = (1.25, 3.5),
    };

    /// <param name="metric">The no-reference DSD whose psi is calibrated (a log-normal psi); its tile is the crop side.</param>
    /// <param name="images">Natural photos (not the images the form is later selected or tested on).</param>
    /// <param name="settings">Groups, seed, held-out fraction, regularisation.</param>
    /// <param name="progress">Called with (groups done, groups).</param>
    /// <param name="cancel">Stops between groups.</param>
    public static CalibrationResult Fit(NoReferenceDsd metric, TrainingImages images, CalibrationSettings settings,
        Action<int, int>? progress = null, CancellationToken cancel = default) =>
        Fit(ZScores(metric, images, settings, progress, cancel), settings);

    /// <summary>
    /// The signed z-scores [groups][9·4] of every group (clean crop, then weak and strong copy per kind): the costly part
    /// of a calibration (VGG on every crop), which <see cref="Fit(double[][], CalibrationSettings)"/> then uses.
    /// </summary>
    public static double[][] ZScores(NoReferenceDsd metric, TrainingImages images, CalibrationSettings settings,
        Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        if (metric.Regressor.Target != Networks.RegressorTarget.LogNormal)
            throw new DsdException(DsdErrorKind.Usage, "calibration needs a log-normal psi (dsd train regressor --target log-normal)");
        var side = metric.Tile > 0 ? metric.Tile : NoReferenceDsd.DefaultTile(metric.Alpha);
        var perGroup = 1 + 2 * SyntheticDistortion.Kinds.Count;
        var z = new double[settings.Groups][];
        for (var g = 0; g < settings.Groups; g++)
        {
            cancel.ThrowIfCancellationRequested();
            z[g] = GroupZScores(metric, images[g % images.Count], side, SplitMix64.For(settings.Seed, SplitMix64.Purpose.Calibration, g));
            progress?.Invoke(g + 1, settings.Groups);
        }
        return z;
    }

    /// <summary>Fits the calibration to z-scores from <see cref="ZScores"/>, holding out the last groups.</summary>
    public static CalibrationResult Fit(double[][] z, CalibrationSettings settings)
    {
        var perGroup = 1 + 2 * SyntheticDistortion.Kinds.Count;
        if (z.Length != settings.Groups || z.Any(g => g.Length != perGroup * 4))
            throw new ArgumentException($"expected {settings.Groups} groups of {perGroup * 4} z-scores", nameof(z));
        var heldOutFrom = (int)Math.Round(settings.Groups * (1 - settings.HeldOut));
        var pairs = Pairs(perGroup);
        using var scope = NewDisposeScope();
        var start = NoReferenceCalibration.StartingPoint(settings.Quadratic);
        var count = start.Weights.Length;
        // φ of every copy in every group, computed once; a pair's row is φ(worse) − φ(better).
        var features = z.Select(g =>
        {
            using var inner = NewDisposeScope();
            return NoReferenceCalibration.Features(tensor(g, dtype: ScalarType.Float64).view(perGroup, 4), settings.Quadratic).data<double>().ToArray();
        }).ToArray();
        Tensor Differences(int from, int to, DistortionKind? kind = null)
        {
            var rows = new List<double>();
            for (var g = from; g < to; g++)
                foreach (var (worse, better, k) in pairs)
                    if (kind is null || kind == k)
                        for (var f = 0; f < count; f++)
                            rows.Add(features[g][worse * count + f] - features[g][better * count + f]);
            return tensor(rows.ToArray(), dtype: ScalarType.Float64).view(-1, count);
        }
        var train = Differences(0, heldOutFrom);
        var w0 = tensor(start.Weights, dtype: ScalarType.Float64);
        var w = new TorchSharp.Modules.Parameter(w0.clone());
        using (var optimizer = optim.Adam([w], lr: 0.01))
        {
            for (var i = 0; i < settings.Iterations; i++)
            {
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var loss = nn.functional.softplus(-train.matmul(w)).mean() + settings.Regularisation * (w - w0).square().sum();
                loss.backward();
                optimizer.step();
            }
        }
        var fitted = new NoReferenceCalibration(w.detach().data<double>().ToArray());
        double Accuracy(Tensor d, double[] weights) =>
            d.shape[0] == 0 ? double.NaN : d.matmul(tensor(weights, dtype: ScalarType.Float64)).gt(0).to_type(ScalarType.Float64).mean().item<double>();
        var heldOut = Differences(heldOutFrom, settings.Groups);
        var perKind = SyntheticDistortion.Kinds.ToDictionary(k => k.Name(), k =>
        {
            var d = Differences(heldOutFrom, settings.Groups, k);
            return (Accuracy(d, start.Weights), Accuracy(d, fitted.Weights));
        });
        return new CalibrationResult(fitted, (int)train.shape[0], (int)heldOut.shape[0],
            Accuracy(heldOut, start.Weights), Accuracy(heldOut, fitted.Weights), perKind);
    }

    /// <summary>
    /// Index pairs (worse, better) within a group laid out as clean, then (weak, strong) per kind: each copy is worse
    /// than the clean crop, and the strong copy worse than the weak one.
    /// </summary>
    static List<(int Worse, int Better, DistortionKind Kind)> Pairs(int perGroup)
    {
        var pairs = new List<(int, int, DistortionKind)>();
        for (var k = 0; k < SyntheticDistortion.Kinds.Count; k++)
        {
            var (weak, strong) = (1 + 2 * k, 2 + 2 * k);
            pairs.Add((weak, 0, SyntheticDistortion.Kinds[k]));
            pairs.Add((strong, 0, SyntheticDistortion.Kinds[k]));
            pairs.Add((strong, weak, SyntheticDistortion.Kinds[k]));
        }
        return pairs;
    }

    /// <summary>z-scores [perGroup·4] of one random crop of <paramref name="image"/> (uint8 [3,H,W]) and its distorted copies.</summary>
    static double[] GroupZScores(NoReferenceDsd metric, Tensor image, int side, SplitMix64 random)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (h, w) = ((int)image.shape[1], (int)image.shape[2]);
        var (ch, cw) = (Math.Min(side, h), Math.Min(side, w));
        var y = random.NextInt(h - ch + 1);
        var x = random.NextInt(w - cw + 1);
        var clean = image.narrow(1, y, ch).narrow(2, x, cw).to_type(ScalarType.Float32).div(255).unsqueeze(0);
        var versions = new List<Tensor> { clean };
        foreach (var kind in SyntheticDistortion.Kinds)
        {
            var (low, high) = Ranges[kind];
            var a = low + (high - low) * random.NextFloat();
            var b = low + (high - low) * random.NextFloat();
            var (weak, strong) = kind.StrongerWhenLarger() ? (Math.Min(a, b), Math.Max(a, b)) : (Math.Max(a, b), Math.Min(a, b));
            versions.Add(SyntheticDistortion.Apply(clean, kind, weak, (long)random.Next()));
            versions.Add(SyntheticDistortion.Apply(clean, kind, strong, (long)random.Next()));
        }
        var batch = cat(versions, 0);
        using var result = metric.Evaluate(batch);
        return result.ZScore.cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }
}
