using System.CommandLine;
using System.Globalization;
using Dsd.Features;
using Dsd.Networks;
using Dsd.Training;
using Spectre.Console;
using static TorchSharp.torch;
using Dsd.Training.Restoration;
using Dsd.Training.Regressor;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd train regressor</c>: trains psi, the no-reference regressor (docs/method.md §3), with checkpoints and resume.</summary>
internal static class TrainRegressorCommand
{
    /// <summary>Every option of the command, defined once.</summary>
    sealed class RegressorOptions
    {
        public readonly Option<string?> Data = new("--data") { Description = "Folders of natural training images, comma-separated (required unless --resume)", HelpName = "DIR[,DIR…]" };
        public readonly Option<int> Alpha = new("--alpha") { Description = "Downscale factor α psi is trained for", DefaultValueFactory = _ => 4 };
        public readonly Option<string> Target = new("--target")
        {
            Description = "What psi predicts: 'norm' (the norms, MSE; the paper's psi) or 'log-normal' (mean and spread of the log norms per layer, "
                + "Gaussian NLL; what the default noref-dsd form needs)",
            DefaultValueFactory = _ => "norm",
        };
        public readonly Option<int> Crop = new("--crop") { Description = "Side of psi's input crop; the targets come from the full-resolution crop of side crop·α", DefaultValueFactory = _ => 80, HelpName = "N" };
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "Crops per step", DefaultValueFactory = _ => 16, HelpName = "N" };
        public readonly Option<double?> Epochs = new("--epochs") { Description = "Passes over the images (or the bank); default 1 when --steps is absent", HelpName = "N" };
        public readonly Option<long?> Steps = new("--steps") { Description = "Optimiser steps in all (overrides --epochs; with --resume, the new total)", HelpName = "N" };
        public readonly Option<double> Lr = new("--lr") { Description = "Adam learning rate (betas 0.9, 0.999)", DefaultValueFactory = _ => 2e-4 };
        public readonly Option<double> LrGamma = new("--lr-gamma") { Description = "Learning-rate factor at each decay", DefaultValueFactory = _ => 0.5 };
        public readonly Option<long?> LrStep = new("--lr-step") { Description = "Steps between decays (default 40% of the total)", HelpName = "N" };
        public readonly Option<string> Out = new("--out") { Description = "Run folder: checkpoint.safetensors, psi.safetensors, psi_ema.safetensors, log.csv, snapshots/step-N.safetensors", DefaultValueFactory = _ => "runs/psi", HelpName = "DIR" };
        public readonly Option<string?> Resume = new("--resume")
        {
            Description = "Continue the run in DIR (or --out when DIR is left out) exactly (model, Adam, schedule, step, random streams) with its stored settings",
            HelpName = "DIR",
            Arity = ArgumentArity.ZeroOrOne,
        };
        public readonly Option<string?> Val = new("--val") { Description = "Held-out folders for validation RMSE, comma-separated", HelpName = "DIR[,DIR…]" };
        public readonly Option<int> ValCrops = new("--val-crops") { Description = "Fixed validation crops per validation image", DefaultValueFactory = _ => 4, HelpName = "K" };
        public readonly Option<long> Seed = new("--seed") { Description = "Seed of the initial weights, crops, flips and noise", DefaultValueFactory = _ => 0 };
        public readonly Option<double> Ema = new("--ema") { Description = "Keep an exponential moving average of the weights with this decay (e.g. 0.999); 0 = off", DefaultValueFactory = _ => 0 };
        public readonly Option<int> Bank = new("--bank") { Description = "Precompute targets once for N fixed crops (0 = fresh crops and targets at every step)", DefaultValueFactory = _ => 0, HelpName = "N" };
        public readonly Option<long?> EvalEvery = new("--eval-every") { Description = "Steps between log rows with validation (default one epoch)", HelpName = "N" };
        public readonly Option<long> SaveEvery = new("--save-every") { Description = "Steps between checkpoints and weight snapshots (one is always written at the end)", DefaultValueFactory = _ => 500, HelpName = "N" };
        public readonly Option<bool> Strict = CommonOptions.Strict("train on the others");
        public readonly Option<string> Device = CommonOptions.Device();
        public readonly Option<string> VggWeights = VggWeightsOption.Create();
        public readonly Option<int> OldBatch;
        public readonly Option<double> OldGamma;

        public RegressorOptions()
        {
            Alpha.AcceptOnlyFromAmong(NoReferenceRegressor.AlphaNames);
            Target.AcceptOnlyFromAmong("norm", "log-normal");
            OldBatch = CommonOptions.OldName(BatchSize, "--batch");
            OldGamma = CommonOptions.OldName(LrGamma, "--gamma");
        }

        /// <summary>The options a checkpoint stores (ignored, with a warning, when resuming).</summary>
        public Option[] Stored => [Data, Alpha, Target, Crop, BatchSize, Epochs, Lr, LrGamma, LrStep, Val, ValCrops, Seed, Ema, Bank, EvalEvery, SaveEvery, OldBatch, OldGamma];

        public IEnumerable<Option> All => [.. Stored[..^2], Steps, Out, Resume, Strict, Device, VggWeights, OldBatch, OldGamma];
    }

    public static Command Create()
    {
        var o = new RegressorOptions();
        var command = new Command("regressor", "Train psi, the no-reference regressor: psi(x↓α) ≈ mean |DSD_α^l(x)| on random crops of natural images");
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var dev = CommonOptions.ParseDevice(parse.GetValue(o.Device)!);
            var (folder, config) = Plan(parse, o);
            using var weights = VggWeightsOption.Load(parse);
            using var vgg = new Vgg19Features(NoReferenceRegressor.Layers, weights, dev);
            using var interrupt = new TrainingInterrupt();
            List<string>? unreadable = parse.GetValue(o.Strict) ? null : [];
            var summary = WithProgress(report => config is null
                ? RegressorTrainer.Resume(folder, vgg, dev, parse.GetValue(o.Steps), report, interrupt.Token, unreadable)
                : RegressorTrainer.Start(config, folder, vgg, dev, report, interrupt.Token, unreadable));
            if (summary.Interrupted)
                CliRunner.Info($"stopped at step {summary.Step}; checkpoint in {folder} (continue with --resume {folder})");
            else
                Report(summary);
            return CommonOptions.Unreadable(unreadable ?? [], summary.Interrupted ? CliRunner.Interrupted : CliRunner.Ok);
        }));
        return command;
    }

    /// <summary>The run folder, and the settings of a new run (null when resuming: the checkpoint holds them).</summary>
    static (string Folder, RegressorTrainingConfig? Config) Plan(ParseResult parse, RegressorOptions o)
    {
        if (parse.GetResult(o.Resume) is not null)
        {
            var given = o.Stored.Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
            if (given.Count > 0) CliRunner.Warn($"--resume takes its settings from the checkpoint; ignoring {string.Join(", ", given)}");
            return (parse.GetValue(o.Resume) ?? parse.GetValue(o.Out)!, null);
        }
        var data = parse.GetValue(o.Data) ?? throw new DsdException(DsdErrorKind.Usage, "--data: required (the folders of training images)");
        var config = new RegressorTrainingConfig
        {
            Data = CommonOptions.ParseList(data),
            Validation = parse.GetValue(o.Val) is { } v ? CommonOptions.ParseList(v) : [],
            Alpha = parse.GetValue(o.Alpha),
            Target = parse.GetValue(o.Target) == "log-normal" ? RegressorTarget.LogNormal : RegressorTarget.Norm,
            Crop = parse.GetValue(o.Crop),
            BatchSize = CommonOptions.GetRenamed(parse, o.BatchSize, o.OldBatch),
            Steps = parse.GetValue(o.Steps),
            Epochs = parse.GetValue(o.Epochs),
            Lr = parse.GetValue(o.Lr),
            LrGamma = CommonOptions.GetRenamed(parse, o.LrGamma, o.OldGamma),
            LrStep = parse.GetValue(o.LrStep),
            Seed = parse.GetValue(o.Seed),
            Ema = parse.GetValue(o.Ema),
            Bank = parse.GetValue(o.Bank),
            ValidationCrops = parse.GetValue(o.ValCrops),
            EvalEvery = parse.GetValue(o.EvalEvery),
            SaveEvery = parse.GetValue(o.SaveEvery),
        };
        config.Validate();
        return (parse.GetValue(o.Out)!, config);
    }

    static TrainingSummary WithProgress(Func<Action<TrainingProgress>, TrainingSummary> run)
    {
        if (Console.IsErrorRedirected)
        {
            // Logs and nohup: a line now and then instead of a bar.
            var last = DateTime.MinValue;
            return run(p =>
            {
                if (p.Done != p.Total && DateTime.UtcNow - last < TimeSpan.FromSeconds(30)) return;
                last = DateTime.UtcNow;
                CliRunner.Info($"{p.Phase} {p.Done}/{p.Total}" + (p.Loss is { } l ? $" loss {l:E3}" : ""));
            });
        }
        TrainingSummary? summary = null;
        CliRunner.Stderr.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                summary = run(p =>
                {
                    if (!tasks.TryGetValue(p.Phase, out var task))
                        tasks[p.Phase] = task = ctx.AddTask(p.Phase, maxValue: p.Total);
                    task.MaxValue = p.Total;
                    task.Value = p.Done;
                    if (p.Loss is { } l) task.Description = $"train loss {l.ToString("E3", CultureInfo.InvariantCulture)}";
                });
            });
        return summary!;
    }

    static void Report(TrainingSummary s)
    {
        CliRunner.Info($"step {s.Step}, {s.Seconds:F0} s of training; weights in {Path.Combine(s.Folder, RegressorCheckpoint.WeightsFileName)}"
            + (s.ValidationEmaRmse is null ? "" : $" and {Path.Combine(s.Folder, RegressorCheckpoint.AverageFileName)}")
            + $"; log in {Path.Combine(s.Folder, RegressorLog.FileName)}");
        if (s.ValidationRmse is null) return;
        var table = new Table().Title("validation RMSE of mean |DSD|").AddColumn("layer").AddColumn(new TableColumn("psi").RightAligned());
        if (s.ValidationEmaRmse is not null) table.AddColumn(new TableColumn("psi (EMA)").RightAligned());
        table.AddColumn(new TableColumn("constant").RightAligned());
        for (var i = 0; i < NoReferenceRegressor.Layers.Count; i++)
        {
            var row = new List<string> { NoReferenceRegressor.Layers[i], E(s.ValidationRmse[i]) };
            if (s.ValidationEmaRmse is not null) row.Add(E(s.ValidationEmaRmse[i]));
            row.Add(E(s.ValidationConstantRmse![i]));
            table.AddRow(row.ToArray());
        }
        CliRunner.Stdout.Write(table);
    }

    static string E(double v) => v.ToString("E4", CultureInfo.InvariantCulture);
}
