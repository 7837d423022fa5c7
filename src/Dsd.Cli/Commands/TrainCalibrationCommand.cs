using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dsd.Features;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Regressor;
using Spectre.Console;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd train calibration</c>: learns the calibrated no-reference form for a log-normal psi from synthetic distortions of
/// natural photos (docs/method.md §3) and writes psi with the calibration in its metadata.
/// </summary>
internal static class TrainCalibrationCommand
{
    /// <summary>The z-scores of a calibration's crops, under the key of everything they depend on.</summary>
    sealed record ZScoreCache(string Key, double[][] Z);

    public static Command Create()
    {
        var regressor = new Option<string>("--regressor") { Description = "The log-normal psi (safetensors) to calibrate", HelpName = "PATH", Required = true };
        // --train as in dsd train sr and dsd train regressor; --data is its old name (hidden, for one version).
        var data = new Option<string?>("--train") { Description = "Folders of natural photos, comma-separated (not the images you will evaluate on); required", HelpName = "DIR[,DIR…]" };
        var oldData = CommonOptions.OldName(data, "--data");
        var alpha = new Option<int>("--alpha") { Description = "α psi was trained for", DefaultValueFactory = _ => 4 };
        var groups = new Option<int>("--groups") { Description = "Clean crops (of psi's tile side), each with a weak and a strong copy of blur, noise, JPEG and resampling", DefaultValueFactory = _ => 300, HelpName = "N" };
        var heldOut = new Option<double>("--held-out") { Description = "Fraction of the groups kept out of the fit to measure it", DefaultValueFactory = _ => 0.2, HelpName = "F" };
        groups.Within(1, 100_000);
        heldOut.Within(0.0, 0.9);
        var seed = new Option<long>("--seed") { Description = "Seed of the crops, strengths and noise", DefaultValueFactory = _ => 0, HelpName = "N" };
        var output = new Option<string>("--out", "-o") { Description = "Where to write psi with its calibration (.safetensors)", HelpName = "FILE", Required = true };
        var quadratic = new Option<bool>("--quadratic")
        {
            Description = "Also weigh the products z_i·z_j of the layers' z-scores: 24 weights; '--quadratic false' fits the 14 without them "
                + "(on the selection set the products won at α = 2 and lost at α = 4; each shipped psi carries the winner, docs/method.md §3)",
            DefaultValueFactory = _ => true,
        };
        var cache = new Option<string?>("--zscores")
        {
            Description = "Keep the crops' z-scores in FILE (JSON) and reuse them when psi, α, crops and seed are the same: a refit (e.g. --quadratic) then skips VGG",
            HelpName = "FILE",
        };
        var strict = CommonOptions.Strict("calibrate on the others");
        var device = CommonOptions.Device();
        alpha.AcceptOnlyFromAmong(NoReferenceRegressor.AlphaNames);
        var command = new Command("calibration",
            "Learn the calibrated noref-dsd form for a log-normal psi from synthetic distortions of natural photos (a ranking loss, no human labels)")
        {
            regressor, data, oldData, alpha, groups, heldOut, seed, quadratic, cache, output, strict, device, VggWeightsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var settings = new CalibrationSettings { Groups = parse.GetValue(groups), Seed = parse.GetValue(seed), HeldOut = parse.GetValue(heldOut), Quadratic = parse.GetValue(quadratic) };
            if (settings.Groups < 5) throw new DsdException(DsdErrorKind.Usage, "--groups: at least 5");
            if (!(settings.HeldOut > 0 && settings.HeldOut < 1)) throw new DsdException(DsdErrorKind.Usage, "--held-out: must be in (0, 1)");
            var outPath = parse.GetValue(output)!;
            if (!outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new DsdException(DsdErrorKind.Usage, "--out: the calibrated psi is written as .safetensors");
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var psiPath = parse.GetValue(regressor)!;
            using var weights = VggWeightsOption.Load(parse);
            using var vgg = new Vgg19Features(NoReferenceRegressor.Layers, weights, dev);
            var options = new MetricOptions { Device = dev, RegressorPath = psiPath, NoReferenceAlpha = parse.GetValue(alpha), NoReferenceForm = NoReferenceForm.ZScore };
            var metric = NoReferenceDsd.Create(options, vgg);
            List<string>? unreadable = parse.GetValue(strict) ? null : [];
            var folders = CommonOptions.GetRenamed(parse, data, oldData) ?? throw new DsdException(DsdErrorKind.Usage, "--train: required (the folders of natural photos)");
            using var images = TrainingImages.Load(CommonOptions.ParseList(folders), metric.Tile, failed: unreadable);
            var key = JsonSerializer.Serialize(new
            {
                psi = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(psiPath))),
                alpha = metric.Alpha, tile = metric.Tile, settings.Groups, settings.Seed, images = images.Paths,
            });
            var cachePath = parse.GetValue(cache);
            var z = cachePath is not null && File.Exists(cachePath) && JsonSerializer.Deserialize<ZScoreCache>(File.ReadAllText(cachePath)) is { } c && c.Key == key
                ? c.Z : null;
            if (z is null)
            {
                CliRunner.Stderr.Progress().Start(ctx =>
                {
                    var task = ctx.AddTask("crops and distorted copies", maxValue: settings.Groups);
                    z = CalibrationTrainer.ZScores(metric, images, settings, (done, _) => task.Value = done);
                });
                if (cachePath is not null)
                    Serialization.AtomicFile.Write(cachePath, stream => JsonSerializer.Serialize(stream, new ZScoreCache(key, z!)));
            }
            else CliRunner.Info($"z-scores of {settings.Groups} crops and their copies from {cachePath}");
            var r = CalibrationTrainer.Fit(z!, settings);
            r.Calibration.SaveWith(psiPath, outPath, new Dictionary<string, string>
            {
                ["noref_calibration_settings"] = JsonSerializer.Serialize(settings),
                ["noref_calibration_heldout_accuracy"] = r.AccuracyAfter.ToString("F4", CultureInfo.InvariantCulture),
            });
            var table = new Table().Title($"held-out pairs ordered right ({r.HeldOutPairs} pairs; fit on {r.TrainPairs})")
                .AddColumn("distortion").AddColumn(new TableColumn("zscore form").RightAligned()).AddColumn(new TableColumn("calibrated").RightAligned());
            foreach (var (kind, (before, after)) in r.PerKind) table.AddRow(kind, before.ToString("P1", CultureInfo.InvariantCulture), after.ToString("P1", CultureInfo.InvariantCulture));
            table.AddRow("all", r.AccuracyBefore.ToString("P1", CultureInfo.InvariantCulture), r.AccuracyAfter.ToString("P1", CultureInfo.InvariantCulture));
            CliRunner.Stdout.Write(table);
            CliRunner.Info($"weights (|z| ×4, z ×4, |z_i − z_j| ×6{(settings.Quadratic ? ", z_i·z_j ×10" : "")}): {r.Calibration}");
            CliRunner.Info($"calibrated psi in {outPath}");
            return CommonOptions.Unreadable(unreadable ?? [], CliRunner.Ok);
        }));
        return command;
    }
}
