using System.CommandLine;
using Dsd.Dissimilarity;
using Dsd.Quality;
using Dsd.Weights;
using Spectre.Console;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd score</c>: full-reference quality scores per image pair, with a summary, as table, CSV or JSON.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var dist = new Option<string>("--dist") { Description = "Distorted image, or a folder of them", Required = true, HelpName = "PATH" };
        var reference = new Option<string?>("--ref") { Description = "Reference image, or a folder paired with --dist by file name (stem)", HelpName = "PATH" };
        var distSuffix = new Option<string>("--dist-suffix") { Description = "Ignore this end of distorted file names when pairing folders (baby_SRGAN.png ↔ baby.png with _SRGAN)", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var refSuffix = new Option<string>("--ref-suffix") { Description = "Ignore this end of reference file names when pairing folders (e.g. _HR)", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        var metrics = new Option<string>("--metrics")
        {
            Description = "Comma-separated metrics: " + string.Join(", ", Metrics.Names),
            DefaultValueFactory = _ => "dsd",
            HelpName = "LIST",
        };
        var format = new Option<string>("--format") { Description = "table, csv or json (on stdout, or --out)", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var output = new Option<string?>("--out") { Description = "Write the results to FILE (written atomically) instead of stdout", HelpName = "FILE" };
        var crop = new Option<int?>("--crop") { Description = "Score random N×N crops instead of whole images", HelpName = "N" };
        var numCrops = new Option<int>("--num-crops") { Description = "Crops per pair with --crop (averaged)", DefaultValueFactory = _ => 1, HelpName = "K" };
        var batch = new Option<int>("--batch") { Description = "Crops per forward pass with --crop (more is faster, uses more memory)", DefaultValueFactory = _ => 4, HelpName = "B" };
        var seed = new Option<int>("--seed") { Description = "Seed of the crop positions", DefaultValueFactory = _ => 0 };
        var dsdLayers = new Option<string>("--dsd-layers") { Description = "VGG19 layers of the dsd metric", DefaultValueFactory = _ => string.Join(",", DsdOptions.ImageQuality.Layers), HelpName = "LIST" };
        var dsdAlphas = new Option<string>("--dsd-alphas") { Description = "Downscale factors α of the dsd metric", DefaultValueFactory = _ => "2", HelpName = "LIST" };
        var perceptualLayer = new Option<string?>("--perceptual-layer") { Description = "VGG19 layer of the perceptual metric (default conv5_4, relu2_2 when the weights stop earlier)", HelpName = "LAYER" };
        var shave = new Option<int>("--shave") { Description = "Pixels cut from every border for psnr-y, psnr-rgb and ssim (4 for ×4 SR)", DefaultValueFactory = _ => 0, HelpName = "N" };
        var ssimChannels = new Option<string>("--ssim-channels") { Description = "ssim on y (BT.601 luma), rgb (zero-padded, the reference evaluator's) or gray (MATLAB rgb2gray)", DefaultValueFactory = _ => "y" };
        ssimChannels.AcceptOnlyFromAmong("y", "rgb", "gray");
        var regressor = new Option<string?>("--regressor") { Description = "psi weights for noref-dsd (safetensors or PyTorch state dict)", HelpName = "PATH" };
        var alpha = new Option<int>("--alpha") { Description = "α of noref-dsd: 4 (the reference evaluator's) or 2", DefaultValueFactory = _ => 4 };
        alpha.AcceptOnlyFromAmong("2", "4");
        var norefTile = new Option<int?>("--noref-tile") { Description = "noref-dsd averages over tiles of this side, the size psi was trained on (default 80·α; 0 = whole image)", HelpName = "N" };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first pair that cannot be scored" };
        var device = CommonOptions.Device();

        var command = new Command("score", "Score images: full-reference metrics against --ref, or no-reference noref-dsd; one row per image plus a summary")
        {
            dist, reference, distSuffix, refSuffix, metrics, format, output, crop, numCrops, seed, batch, dsdLayers, dsdAlphas, perceptualLayer, shave, ssimChannels,
            regressor, alpha, norefTile, strict, device, VggWeightsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var names = CommonOptions.ParseList(parse.GetValue(metrics)!).Distinct().ToList();
            foreach (var n in names)
                if (!Metrics.Names.Contains(n))
                    throw new DsdException(DsdErrorKind.InvalidInput, $"--metrics: unknown metric '{n}' (available: {string.Join(", ", Metrics.Names)})");
            var refPath = parse.GetValue(reference);
            var fullReference = names.Where(n => !Metrics.IsNoReference(n)).ToList();
            if (refPath is null && fullReference.Count > 0)
                throw new DsdException(DsdErrorKind.InvalidInput,
                    $"--metrics {string.Join(",", fullReference)}: full-reference metrics need --ref (without it only noref-dsd is available)");
            var cropSize = parse.GetValue(crop);
            var crops = cropSize is { } size ? new CropSettings(size, Math.Max(1, parse.GetValue(numCrops)), parse.GetValue(seed), Math.Max(1, parse.GetValue(batch))) : null;
            if (crops is { Size: < 1 }) throw new DsdException(DsdErrorKind.InvalidInput, "--crop: the crop size must be positive");
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var plan = ImagePairs.Plan(parse.GetValue(dist)!, refPath, parse.GetValue(distSuffix)!, parse.GetValue(refSuffix)!);
            foreach (var w in plan.Warnings) CliRunner.Warn(w);

            VggWeights? weights = names.Any(Metrics.NeedsVgg) ? VggWeightsOption.Load(parse) : null;
            using var weightsScope = weights;
            var options = new MetricOptions
            {
                VggWeights = weights?.State,
                VggSource = weights?.Path ?? "VGG19 weights",
                Device = dev,
                Dsd = new DsdOptions(CommonOptions.ParseList(parse.GetValue(dsdLayers)!), CommonOptions.ParseAlphas(parse.GetValue(dsdAlphas)!, "--dsd-alphas")),
                PerceptualLayer = parse.GetValue(perceptualLayer),
                Shave = parse.GetValue(shave),
                SsimChannels = parse.GetValue(ssimChannels)!,
                RegressorPath = parse.GetValue(regressor),
                NoReferenceAlpha = parse.GetValue(alpha),
                NoReferenceTile = parse.GetValue(norefTile) is not < 0 ? parse.GetValue(norefTile)
                    : throw new DsdException(DsdErrorKind.InvalidInput, "--noref-tile: must be 0 (whole image) or a positive side"),
            };
            var created = names.Select(n => Metrics.Create(n, options)).ToList();
            using var scorer = new PairScorer(created, dev, crops);

            var results = new List<PairResult>();
            var stopAtFirstError = parse.GetValue(strict);
            ItemProgress.Run(plan.Pairs.Count, advance =>
            {
                for (var i = 0; i < plan.Pairs.Count; i++)
                {
                    var result = scorer.Score(plan.Pairs[i], i);
                    results.Add(result);
                    advance(result.Pair.Distorted);
                    if (result.Error is not null)
                    {
                        CliRunner.Error(result.Error);
                        if (stopAtFirstError) break;
                    }
                }
            });

            var settings = new Dictionary<string, object?>
            {
                ["device"] = dev.ToString(),
                ["crops"] = crops is null ? "whole image" : $"{crops.Count} × {crops.Size}x{crops.Size}, seed {crops.Seed}",
                ["vgg19_weights"] = weights?.Path,
                ["vgg19_sha256"] = weights?.Sha256,
            };
            if (names.Contains("dsd")) settings["dsd"] = options.Dsd.ToString();
            if (names.Contains("perceptual")) settings["perceptual_layer"] = Metrics.PerceptualLayer(options);
            if (names.Any(n => n.StartsWith("psnr", StringComparison.Ordinal) || n == "ssim")) settings["shave"] = options.Shave;
            if (names.Contains("ssim")) settings["ssim_channels"] = options.SsimChannels;
            if (names.Contains("noref-dsd"))
            {
                settings["regressor"] = options.RegressorPath ?? ShippedRegressors.PathFor(options.NoReferenceAlpha);
                settings["noref_alpha"] = options.NoReferenceAlpha;
                var tile = created.OfType<NoReferenceDsd>().Single().Tile;
                settings["noref_tiles"] = tile == 0 ? "whole image" : $"mean over {tile}x{tile} tiles";
                settings["noref_reduction"] = "mean over 4 layers (the reference evaluator sums: ×4)";
            }
            var report = new ScoreReport(created, results, settings);
            var text = parse.GetValue(format) switch
            {
                "json" => report.ToJson(),
                "csv" => report.ToCsv(),
                _ => null,
            };
            var outPath = Report.HtmlReport.WriteWhenHtml(parse.GetValue(output), report, weights, dev); // .html: the page of dsd report
            if (text is null)
            {
                if (outPath is not null) Serialization.AtomicFile.WriteAllText(outPath, report.ToCsv());
                report.WriteTables(CliRunner.Stdout);
            }
            else if (outPath is not null) Serialization.AtomicFile.WriteAllText(outPath, text);
            else Console.Out.Write(text);
            if (outPath is not null) CliRunner.Info($"wrote {outPath}");

            return results.Any(r => r.Error is not null) ? 2 : 0;
        }));
        return command;
    }
}
