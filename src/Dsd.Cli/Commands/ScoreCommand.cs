using System.CommandLine;
using System.Runtime.ExceptionServices;
using Dsd.Dissimilarity;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Scoring;
using Dsd.Weights;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd score</c>: quality scores per image pair, with a summary, as table, CSV or JSON. The action reads as
/// parse (options → <see cref="ScoreRequest"/>) → plan (pairs, metrics, weights) → run (score every pair) → render.
/// </summary>
internal static class ScoreCommand
{
    /// <summary>What the user asked for, parsed and checked before any file is read.</summary>
    sealed record ScoreRequest(string Dist, string? Ref, string DistSuffix, string RefSuffix, IReadOnlyList<MetricEntry> Metrics,
        MetricOptions Options, CropSettings? Crops, string Format, string? Out, bool Strict, ParseResult Parse);

    public static Command Create()
    {
        var o = new ScoreOptions();
        var command = new Command("score", "Score images: full-reference metrics against --ref, or no-reference ones (noref-dsd, niqe, brisque) alone; one row per image plus a summary. dsd metrics lists them all");
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            MemoryOption.Apply(parse);
            var request = Parse(parse, o);
            var plan = ImagePairs.Plan(request.Dist, request.Ref, request.DistSuffix, request.RefSuffix);
            foreach (var w in plan.Warnings) CliRunner.Warn(w);
            if (request.Out is { } output)
                Serialization.OutputGuard.RefuseInputs(output, plan.Pairs.SelectMany(p => p.Reference is null ? [p.Distorted] : new[] { p.Distorted, p.Reference }).Distinct(), "input image");
            var shard = ShardOption.Get(parse);
            var selected = PairShard.Select(plan.Pairs, shard);
            if (plan.Pairs.Count > 1)
                CliRunner.Info($"{plan.Pairs.Count} {(request.Ref is null ? "images" : "pairs")} found"
                    + (shard is null ? "" : $"; shard {shard.Index}/{shard.Count} scores {selected.Count} of them"));
            using var weights = ResolveWeights(request);
            var options = request.Options with { VggWeights = weights };
            var metrics = request.Metrics.Select(e => CatalogMetric.Create(e, options)).ToList();
            var (results, stoppedBy) = Run(plan.Pairs, selected, metrics, options.Device, request);
            var settings = Settings(request, options, weights);
            if (shard is not null) settings["shard"] = ShardOption.Describe(shard, selected.Take(results.Count), plan.Pairs.Count);
            Render(request, new ScoreReport(request.Metrics, results, settings), weights);
            if (stoppedBy is not null)
            {
                CliRunner.Info($"the {results.Count} pair{(results.Count == 1 ? "" : "s")} scored before the failure below were written");
                stoppedBy.Throw();
            }
            return results.Any(r => r.Error is not null) ? 2 : 0;
        }));
        return command;
    }

    /// <summary>Every option of the command, defined once.</summary>
    sealed class ScoreOptions
    {
        public readonly Option<string> Dist = new("--dist", "-d") { Description = "Distorted image, or a folder of them", Required = true, HelpName = "PATH" };
        public readonly Option<string?> Ref = new("--ref", "-r") { Description = "Reference image, or a folder paired with --dist by file name (stem)", HelpName = "PATH" };
        public readonly Option<string> DistSuffix = new("--dist-suffix") { Description = "Ignore this end of distorted file names when pairing folders (baby_SRGAN.png ↔ baby.png with _SRGAN)", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        public readonly Option<string> RefSuffix = new("--ref-suffix") { Description = "Ignore this end of reference file names when pairing folders (e.g. _HR)", DefaultValueFactory = _ => "", HelpName = "TEXT" };
        public readonly Option<string> Metrics = new("--metrics")
        {
            Description = "Comma-separated metrics:\n" + string.Join("\n", MetricCatalog.Metrics.Select(e =>
                $"  {e.Name} ({(e.Kind == MetricKind.NoReference ? "no-reference" : "full-reference")}, {(e.LowerIsBetter ? "lower" : "higher")} is better): {e.Description}")),
            DefaultValueFactory = _ => "dsd",
            HelpName = "LIST",
        };
        public readonly Option<string> Format = new("--format") { Description = "table, csv, json or html (the report page; needs --out). Default: from --out's extension, else a table on stdout", DefaultValueFactory = _ => "table" };
        public readonly Option<string?> Out = new("--out", "-o") { Description = "Write the results to FILE (atomically) instead of stdout, in --format or the format its extension names (.json, .csv, .html: a self-contained report page; .txt or any other: the table)", HelpName = "FILE" };
        public readonly Option<int?> Crop = new("--crop") { Description = "Score random N×N crops instead of whole images", HelpName = "N" };
        public readonly Option<int> NumCrops = new("--num-crops") { Description = "Crops per pair with --crop (averaged)", DefaultValueFactory = _ => 1, HelpName = "K" };
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "Crops per forward pass with --crop (more is faster, uses more memory)", DefaultValueFactory = _ => 4, HelpName = "B" };
        public readonly Option<int> Seed = new("--seed") { Description = "Seed of the crop positions", DefaultValueFactory = _ => 0 };
        public readonly Option<string> Layers = new("--layers") { Description = "VGG19 layers of the dsd metric", DefaultValueFactory = _ => string.Join(",", DsdOptions.ImageQuality.Layers), HelpName = "LIST" };
        public readonly Option<string> Alphas = new("--alphas") { Description = "Downscale factors α of the dsd metric", DefaultValueFactory = _ => "2", HelpName = "LIST" };
        public readonly Option<string?> PerceptualLayer = new("--perceptual-layer") { Description = "VGG19 layer of the perceptual metric (default conv5_4 when the full VGG19 file is set up, else relu2_2 from the built-in weights, with no download)", HelpName = "LAYER" };
        public readonly Option<int> Shave = new("--shave") { Description = "Pixels cut from every border for psnr-y, psnr-rgb and ssim (4 for ×4 SR)", DefaultValueFactory = _ => 0, HelpName = "N" };
        public readonly Option<string> SsimChannels = new("--ssim-channels") { Description = "ssim on y (BT.601 luma), rgb (zero-padded, the reference evaluator's) or gray (MATLAB rgb2gray)", DefaultValueFactory = _ => "y" };
        public readonly Option<string?> Regressor = new("--regressor") { Description = "psi weights for noref-dsd (safetensors or PyTorch state dict); default: the shipped psi for --alpha", HelpName = "PATH" };
        public readonly Option<int> Alpha = new("--alpha") { Description = "α of noref-dsd: 4 (the reference evaluator's) or 2", DefaultValueFactory = _ => 4 };
        public readonly Option<int?> NorefTile = new("--noref-tile") { Description = "noref-dsd averages over tiles of this side, the size psi was trained on (default 80·α; 0 = whole image)", HelpName = "N" };
        public readonly Option<string?> NorefForm = new("--noref-form")
        {
            Description = "How noref-dsd forms its score: paper (mean |psi − ‖DSD‖₁| over layers, the paper's Q), log (mean |log ‖DSD‖₁ − μ|), "
                + "zscore (mean |log ‖DSD‖₁ − μ| / σ, psi's own spread), calibrated (z-scores weighted as learned from synthetic distortions), "
                + "consistency (how each layer's energy falls across x, x↓α, x↓α², against psi's μ; images of at least 4α² pixels a side: 64 at α = 4, 16 at α = 2). "
                + "Default: the best on the selection ladders that the psi file carries weights for (docs/method.md §3): consistency for the shipped psi, "
                + "paper for a psi that predicts norms only",
            HelpName = "FORM",
        };
        public readonly Option<bool> Strict = CommonOptions.Strict("pair", "scored", "score the others");
        public readonly Option<string> Device = CommonOptions.Device();
        public readonly Option<string> VggWeights = VggWeightsOption.Create();
        public readonly Option<string> MaxMemory = MemoryOption.Create();
        public readonly Option<string?> Shard = ShardOption.Create();
        public readonly Option<int> OldBatch;
        public readonly Option<string> OldLayers, OldAlphas;

        public ScoreOptions()
        {
            Format.AcceptOnlyFromAmong("table", "csv", "json", "html");
            Crop.Within(1, WorkLimits.MaxSide);
            NumCrops.Within(1, WorkLimits.MaxCrops);
            BatchSize.Within(1, WorkLimits.MaxBatch);
            Shave.Within(0, WorkLimits.MaxSide);
            NorefTile.Within(0, WorkLimits.MaxSide);
            SsimChannels.AcceptOnlyFromAmong("y", "rgb", "gray");
            Alpha.AcceptOnlyFromAmong(NoReferenceRegressor.AlphaNames);
            NorefForm.AcceptOnlyFromAmong([.. NoReferenceForms.Names]);
            OldBatch = CommonOptions.OldName(BatchSize, "--batch");
            OldLayers = CommonOptions.OldName(Layers, "--dsd-layers");
            OldAlphas = CommonOptions.OldName(Alphas, "--dsd-alphas");
        }

        public IEnumerable<Option> All =>
        [
            Dist, Ref, DistSuffix, RefSuffix, Metrics, Format, Out, Crop, NumCrops, Seed, BatchSize, Layers, Alphas, PerceptualLayer, Shave,
            SsimChannels, Regressor, Alpha, NorefTile, NorefForm, Strict, Device, VggWeights, MaxMemory, Shard, OldBatch, OldLayers, OldAlphas,
        ];
    }

    static ScoreRequest Parse(ParseResult parse, ScoreOptions o)
    {
        var metrics = CommonOptions.ParseList(parse.GetValue(o.Metrics)!).Distinct().Select(MetricCatalog.Metric).ToList();
        if (metrics.Count == 0)
            throw new DsdException(DsdErrorKind.Usage, $"--metrics: no metric given (choose from {string.Join(", ", MetricCatalog.Metrics.Select(e => e.Name))})");
        var refPath = parse.GetValue(o.Ref);
        var fullReference = metrics.Where(e => e.Kind == MetricKind.FullReference).Select(e => e.Name).ToList();
        if (refPath is null && fullReference.Count > 0)
            throw new DsdException(DsdErrorKind.Usage,
                $"--metrics {string.Join(",", fullReference)}: full-reference metrics need --ref (without it only "
                + $"{string.Join(", ", MetricCatalog.Metrics.Where(e => e.Kind == MetricKind.NoReference).Select(e => e.Name))} is available)");
        var crops = parse.GetValue(o.Crop) is { } size
            ? new CropSettings(size, parse.GetValue(o.NumCrops), parse.GetValue(o.Seed), CommonOptions.GetRenamed(parse, o.BatchSize, o.OldBatch))
            : null;
        var options = new MetricOptions
        {
            Device = CommonOptions.ParseDevice(parse.GetValue(o.Device)!),
            Dsd = DsdOptions.Parse(CommonOptions.GetRenamed(parse, o.Layers, o.OldLayers)!, CommonOptions.GetRenamed(parse, o.Alphas, o.OldAlphas)!, "--layers/--alphas"),
            PerceptualLayer = parse.GetValue(o.PerceptualLayer),
            Shave = parse.GetValue(o.Shave),
            SsimChannels = parse.GetValue(o.SsimChannels)!,
            RegressorPath = parse.GetValue(o.Regressor),
            NoReferenceAlpha = parse.GetValue(o.Alpha),
            NoReferenceTile = parse.GetValue(o.NorefTile),
            NoReferenceForm = parse.GetValue(o.NorefForm) is { } form ? NoReferenceForms.Parse(form) : null,
        };
        if (options.PerceptualLayer is { } layer) Vgg19Layers.IndexOf(layer);
        RefuseUnusedOptions(parse, o, metrics, crops is not null);
        var output = parse.GetValue(o.Out);
        var format = OutputFormat(parse, o, output);
        if (format == "html" && output is null) throw new DsdException(DsdErrorKind.Usage, "--format html: the report is a file, give it with --out FILE.html");
        return new ScoreRequest(parse.GetValue(o.Dist)!, refPath, parse.GetValue(o.DistSuffix)!, parse.GetValue(o.RefSuffix)!, metrics, options,
            crops, format, output, parse.GetValue(o.Strict), parse);
    }

    /// <summary>
    /// An option given for a metric that --metrics does not include would be ignored silently (<c>--metrics dsd --alpha 2</c>
    /// looks like DSD at α = 2 but is DSD at the --alphas default): a usage error instead, naming what it applies to.
    /// </summary>
    static void RefuseUnusedOptions(ParseResult parse, ScoreOptions o, IReadOnlyList<MetricEntry> metrics, bool cropping)
    {
        var chosen = metrics.Select(m => m.Name).ToHashSet();
        (Option Option, string[] AppliesTo)[] specific =
        [
            (o.Layers, ["dsd"]), (o.Alphas, ["dsd"]), (o.OldLayers, ["dsd"]), (o.OldAlphas, ["dsd"]),
            (o.PerceptualLayer, ["perceptual"]),
            (o.Shave, ["psnr-y", "psnr-rgb", "ssim"]), (o.SsimChannels, ["ssim"]),
            (o.Regressor, ["noref-dsd"]), (o.Alpha, ["noref-dsd"]), (o.NorefTile, ["noref-dsd"]), (o.NorefForm, ["noref-dsd"]),
        ];
        foreach (var (option, appliesTo) in specific)
            if (parse.GetResult(option) is { Implicit: false } && !appliesTo.Any(chosen.Contains))
                throw new DsdException(DsdErrorKind.Usage,
                    $"{option.Name} applies only to {string.Join(", ", appliesTo)}, which --metrics {string.Join(",", chosen)} does not include");
        foreach (var option in new Option[] { o.NumCrops, o.BatchSize, o.Seed, o.OldBatch })
            if (!cropping && parse.GetResult(option) is { Implicit: false })
                throw new DsdException(DsdErrorKind.Usage, $"{option.Name} applies only with --crop N (random crops)");
    }

    /// <summary>--format when given; else the one --out's extension names; else a table (also into a .txt or other file).</summary>
    static string OutputFormat(ParseResult parse, ScoreOptions o, string? output)
    {
        if (parse.GetResult(o.Format) is { Implicit: false } || output is null) return parse.GetValue(o.Format)!;
        return Path.GetExtension(output).ToLowerInvariant() switch
        {
            ".json" => "json",
            ".csv" => "csv",
            ".html" or ".htm" => "html",
            _ => "table",  // .txt or any other: the table as text
        };
    }

    /// <summary>The VGG19 weights the metrics need (the embedded subset up to relu3_1), or null when none runs VGG19.</summary>
    static VggWeights? ResolveWeights(ScoreRequest request) =>
        VggWeightsOption.LoadFor(request.Parse, weights => MetricCatalog.DeepestVggIndex(request.Metrics, request.Options, weights));

    /// <summary>
    /// Scores the selected pairs (all, or one shard's). A pair that cannot be read is a row with an error; anything that stops the loop itself (a
    /// weights or internal error) is returned with the rows scored so far, so that they are written before it is raised.
    /// </summary>
    static (List<PairResult> Results, ExceptionDispatchInfo? StoppedBy) Run(IReadOnlyList<ImagePair> pairs, IReadOnlyList<int> selected,
        IReadOnlyList<CatalogMetric> metrics, TorchSharp.torch.Device device, ScoreRequest request)
    {
        using var scorer = new PairScorer(metrics, device, request.Crops);
        // The next pair is decoded on another thread while the current one computes.
        scorer.Prefetch(selected.Select(i => pairs[i]));
        var results = new List<PairResult>();
        ExceptionDispatchInfo? stoppedBy = null;
        ProgressBar.Items(selected.Count, advance =>
        {
            try
            {
                foreach (var i in selected)
                {
                    var result = scorer.Score(pairs[i], i);
                    results.Add(result);
                    advance(result.Pair.Distorted);
                    if (result.Error is null) continue;
                    CliRunner.Error(result.Error);
                    if (request.Strict) break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException && results.Count > 0) { stoppedBy = ExceptionDispatchInfo.Capture(e); }
        });
        return (results, stoppedBy);
    }

    static Dictionary<string, object?> Settings(ScoreRequest request, MetricOptions options, VggWeights? weights)
    {
        var settings = new Dictionary<string, object?>
        {
            ["device"] = options.Device.ToString(),
            ["crops"] = request.Crops is { } c ? $"{c.Count} × {c.Size}x{c.Size}, seed {c.Seed}" : "whole image",
            ["vgg19_weights"] = weights?.Path,
            ["vgg19_sha256"] = weights?.Sha256,
        };
        foreach (var (key, value) in MetricCatalog.Settings(request.Metrics, options)) settings[key] = value;
        return settings;
    }

    static void Render(ScoreRequest request, ScoreReport report, VggWeights? weights)
    {
        if (request.Format == "html")
        {
            // The report page; its heatmaps use the same weights as the scores.
            Report.HtmlReport.Write(report.ToJson(), request.Out!, weights, request.Options.Device);
            CliRunner.Info($"wrote {request.Out}");
            return;
        }
        var text = request.Format switch
        {
            "json" => report.ToJson(),
            "csv" => report.ToCsv(),
            _ => null,
        };
        // One rule for every format: the results go to --out when given (stdout then stays empty), else to stdout.
        if (request.Out is null)
        {
            if (text is null) report.WriteTables(CliRunner.Stdout);
            else Console.Out.Write(text);
            return;
        }
        if (text is null)
        {
            var table = new StringWriter();
            report.WriteTables(CliRunner.Text(table));
            text = table.ToString();
        }
        Serialization.AtomicFile.WriteAllText(request.Out, text);
        CliRunner.Info($"wrote {request.Out}");
    }
}
