using System.CommandLine;
using System.Globalization;
using Dsd.Cli.Pictures;
using Dsd.Experiments;
using Dsd.Features;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Weights;
using Spectre.Console;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd compare-losses --train DIR --val DIR</c>: the loss comparison (docs/method.md §6, Fig. 13). Writes <c>runs/NAME/</c>
/// (checkpoints and logs of each run), <c>metrics.csv</c> and <c>grid.png</c>; running it again resumes.
/// </summary>
internal static class CompareLossesCommand
{
    public static Command Create()
    {
        var o = new CompareOptions();
        var command = new Command("compare-losses",
            "Loss comparison (the paper's supplementary experiment): the 5-block xSRResNet trained from the same start, on the same batches, with L1 plus each loss; then a "
            + "metrics table (PSNR-Y, SSIM, DSD, noref-dsd) and a grid of crops. Resumable: finished runs are skipped, an interrupted one continues.\n\n"
            + "Example:\n  dsd compare-losses --train sr-benchmarks/BSD100/x4 --val sr-benchmarks/Set5/x4 --pretrain-steps 300 --steps 300 --out cmp/");
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = Parse(parse, o);
            var comparison = new LossComparison(options);
            var runs = comparison.Plan();
            if (!Directory.Exists(options.Val)) throw new DsdException(DsdErrorKind.InvalidInput, $"{options.Val}: no such folder");
            using var vggWeights = VggWeightsOption.LoadFor(parse, weights => DeepestLayer(runs, weights))!;
            if (!Train(comparison, runs, vggWeights))
            {
                CliRunner.Info($"interrupted; checkpoints are in {options.Out}/runs; run the same command again to resume");
                return CliRunner.Interrupted;
            }
            Report(options, runs, vggWeights, CommonOptions.ParseDevice(options.Device), parse.GetValue(o.GridImages), parse.GetValue(o.GridCrop));
            return CliRunner.Ok;
        }));
        return command;
    }

    /// <summary>Every option of the command, defined once.</summary>
    sealed class CompareOptions
    {
        public readonly Option<string> Train = new("--train") { Description = "Training folder (HR/+LR/, *_HR/*_LR pairs, or HR images only)", Required = true, HelpName = "DIR" };
        public readonly Option<string> Val = new("--val") { Description = "Validation folder: the images of the table and the grid", Required = true, HelpName = "DIR" };
        public readonly Option<string> Out = new("--out") { Description = "Output folder; an existing one is resumed", DefaultValueFactory = _ => "compare-losses", HelpName = "DIR" };
        public readonly Option<string> Losses = new("--losses")
        {
            Description = $"Losses to compare, each added to L1 ({string.Join(", ", ComparisonLosses.Names)}; l1 = L1 alone)",
            DefaultValueFactory = _ => string.Join(",", ComparisonLosses.Default), HelpName = "LIST",
        };
        public readonly Option<string?> Weights = new("--weights")
        {
            Description = "Loss weights NAME=W replacing the defaults ("
                + string.Join(", ", ComparisonLosses.DefaultWeights.Where(kv => kv.Key != "l1").Select(kv => $"{kv.Key}={kv.Value.ToString(CultureInfo.InvariantCulture)}")) + ")",
            HelpName = "LIST",
        };
        public readonly Option<int> Steps = new("--steps") { Description = "Training steps of every loss's run", DefaultValueFactory = _ => 300, HelpName = "N" };
        public readonly Option<int> Pretrain = new("--pretrain-steps") { Description = "Steps of a shared L1 stage every run starts from (0: none)", DefaultValueFactory = _ => 0, HelpName = "N" };
        public readonly Option<string?> Init = new("--init") { Description = "Start every run from these weights instead (e.g. a PSNR-stage checkpoint)", HelpName = "CKPT" };
        public readonly Option<int> Blocks = new("--blocks") { Description = "Residual blocks of xSRResNet (5: the paper's light network)", DefaultValueFactory = _ => 5, HelpName = "N" };
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "Patches per batch", DefaultValueFactory = _ => 8, HelpName = "N" };
        public readonly Option<int> Crop = new("--crop") { Description = "LR patch side", DefaultValueFactory = _ => 24, HelpName = "N" };
        public readonly Option<double> Lr = new("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 2e-4, HelpName = "X" };
        public readonly Option<int> Seed = new("--seed") { Description = "Seed of the init and of every batch, shared by all runs", DefaultValueFactory = _ => 0, HelpName = "N" };
        public readonly Option<int> SaveEvery = new("--save-every") { Description = "Checkpoint every N steps (how much an interruption can lose)", DefaultValueFactory = _ => 25, HelpName = "N" };
        public readonly Option<int> GridImages = new("--grid-images") { Description = "Validation images shown in the grid", DefaultValueFactory = _ => 3, HelpName = "N" };
        public readonly Option<int> GridCrop = new("--grid-crop") { Description = "Side of the centred crop shown per image, in output pixels", DefaultValueFactory = _ => 96, HelpName = "N" };

        /// <summary>Every number that sizes the runs is bounded before any runs.</summary>
        public CompareOptions()
        {
            Steps.Within(1, WorkLimits.MaxSteps);
            Pretrain.Within(0, WorkLimits.MaxSteps);
            SaveEvery.Within(1, WorkLimits.MaxSteps);
            Blocks.Within(1, Restoration.RestorationNetworks.MaxBlocks);
            BatchSize.Within(1, WorkLimits.MaxBatch);
            Crop.Within(1, 4_096);
            GridImages.Within(0, 100);
            GridCrop.Within(1, WorkLimits.MaxSide);
        }
        public readonly Option<string> Device = CommonOptions.Device();
        public readonly Option<string> VggWeights = VggWeightsOption.Create();

        public IEnumerable<Option> All =>
            [Train, Val, Out, Losses, Weights, Steps, Pretrain, Init, Blocks, BatchSize, Crop, Lr, Seed, SaveEvery, GridImages, GridCrop, Device, VggWeights];
    }

    static LossComparisonOptions Parse(ParseResult parse, CompareOptions o) => new()
    {
        Train = parse.GetValue(o.Train)!,
        Val = parse.GetValue(o.Val)!,
        Out = parse.GetValue(o.Out)!,
        Losses = CommonOptions.ParseList(parse.GetValue(o.Losses)!),
        Weights = ParseWeights(parse.GetValue(o.Weights)),
        Steps = parse.GetValue(o.Steps),
        PretrainSteps = parse.GetValue(o.Pretrain),
        Init = parse.GetValue(o.Init),
        Blocks = parse.GetValue(o.Blocks),
        BatchSize = parse.GetValue(o.BatchSize),
        Crop = parse.GetValue(o.Crop),
        Lr = parse.GetValue(o.Lr),
        Seed = parse.GetValue(o.Seed),
        SaveEvery = parse.GetValue(o.SaveEvery),
        Device = parse.GetValue(o.Device)!,
    };

    /// <summary>The deepest VGG19 layer any compared loss (or the report's DSD and noref-dsd) reads: it decides which weights are needed.</summary>
    static int DeepestLayer(IReadOnlyList<ComparisonRun> runs, Weights.VggWeights? weights) =>
        Math.Max(LossComparisonReport.Layers.Max(Vgg19Layers.IndexOf), runs.Max(r =>
            MetricCatalog.DeepestVggIndex(r.Config.ActiveLosses().Select(l => l.Loss), r.Config.LossOptions(null, TorchSharp.torch.CPU), weights)));

    /// <summary>Trains every unfinished run with one progress bar over all of them; false when Ctrl+C stopped one.</summary>
    static bool Train(LossComparison comparison, IReadOnlyList<ComparisonRun> runs, Weights.VggWeights vggWeights)
    {
        using var interrupt = new TrainingInterrupt();
        var total = runs.Sum(r => (long)r.Config.Steps);
        var before = runs.ToDictionary(r => r.Name, r => runs.TakeWhile(o => o != r).Sum(o => (long)o.Config.Steps));
        return ProgressBar.Steps("training", total, report =>
            comparison.Train(vggWeights,
                p => report(before[p.Run] + p.Step, $"{p.Run} {p.Step}/{p.Steps}  loss {p.Loss:G4}"),
                CliRunner.Info, interrupt.Token));
    }

    static Dictionary<string, double> ParseWeights(string? text)
    {
        var result = new Dictionary<string, double>();
        if (text is null) return result;
        foreach (var part in CommonOptions.ParseList(text))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) || !(w >= 0))
                throw new DsdException(DsdErrorKind.Usage, $"--weights: '{part}' is not NAME=WEIGHT with a weight ≥ 0 (e.g. style=50)");
            result[kv[0]] = w;
        }
        return result;
    }

    static void Report(LossComparisonOptions options, IReadOnlyList<ComparisonRun> runs, Weights.VggWeights weights, TorchSharp.torch.Device device, int gridImages, int gridCrop)
    {
        using var vgg = new Vgg19Features(LossComparisonReport.Layers, weights, device);
        // The shipped psi in its calibrated form, which takes crops of any size (the consistency default needs 64×64).
        var noReference = ShippedRegressors.PathFor(4) is null ? null
            : NoReferenceDsd.Create(new MetricOptions { Device = device, NoReferenceAlpha = 4, NoReferenceForm = NoReferenceForm.Calibrated }, vgg);
        if (noReference is null) CliRunner.Warn("no shipped psi for α = 4 found: the table has no noref-dsd column");
        var report = new LossComparisonReport(vgg, noReference, device);
        var methods = runs.Select(r => (r.Name == "pretrain" ? "pretrain (L1)" : r.Name, r.Weights, (long)r.Config.Steps, r.Config.Blocks)).ToList();
        var pairs = Restoration.TrainingPairs.Find(options.Val, Restoration.RestorationTask.SuperResolution).Count;
        var (table, crops) = ProgressBar.Steps("scoring", pairs, progress =>
        {
            var done = 0;
            return report.Evaluate(methods, options.Val, gridImages, gridCrop, name => progress(done++, name));
        });
        using (crops)
        {
            var csvPath = Path.Combine(options.Out, "metrics.csv");
            using (var csv = new CsvTable(csvPath, "method", "steps", "weight", "psnr_y", "ssim", "dsd", "noref_dsd"))
                foreach (var row in table)
                    csv.Row(row.Method, row.Steps, WeightColumn(options, row.Method), row.PsnrY, row.Ssim, row.Dsd, row.NoReferenceDsd);
            var gridPath = Path.Combine(options.Out, "grid.png");
            var (bitmap, _) = LabelledGrid.Render(crops.Methods, crops.Images, crops.Crops, cellHeight: Math.Min(2 * gridCrop, 256), pixelated: true,
                title: $"{options.Blocks}-block xSRResNet, L1 + each loss, {options.Steps} steps" + (options.PretrainSteps > 0 ? $" after {options.PretrainSteps} L1 steps" : ""));
            using (bitmap) TensorBitmap.SavePng(bitmap, gridPath);
            Print(table, options);
            CliRunner.Info($"wrote {csvPath} and {gridPath}");
        }
    }

    static string WeightColumn(LossComparisonOptions options, string method) =>
        ComparisonLosses.Names.Contains(method) ? options.WeightOf(method).ToString(CultureInfo.InvariantCulture) : "";

    static void Print(IReadOnlyList<MethodScores> table, LossComparisonOptions options)
    {
        var t = new Table().Title($"validation: {Markup.Escape(options.Val)}").AddColumn("method").AddColumn(new TableColumn("steps").RightAligned())
            .AddColumn(new TableColumn("PSNR-Y ↑").RightAligned()).AddColumn(new TableColumn("SSIM ↑").RightAligned()).AddColumn(new TableColumn("DSD ↓").RightAligned());
        var noref = table.Any(r => r.NoReferenceDsd is not null);
        if (noref) t.AddColumn(new TableColumn("noref-dsd ↓").RightAligned());
        static string F(double v, string format) => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : CsvTable.Format(v); // "inf" as everywhere
        foreach (var r in table)
        {
            var cells = new List<string> { Markup.Escape(r.Method), r.Steps > 0 ? r.Steps.ToString(CultureInfo.InvariantCulture) : "", F(r.PsnrY, "F2"), F(r.Ssim, "F4"), F(r.Dsd, "G4") };
            if (noref) cells.Add(r.NoReferenceDsd is { } q ? F(q, "G4") : "");
            t.AddRow(cells.ToArray());
        }
        CliRunner.Stdout.Write(t);
    }
}
