using System.CommandLine;
using System.Globalization;
using Dsd.Features;
using Dsd.Networks;
using Dsd.Training;
using Spectre.Console;
using static TorchSharp.torch;
using Dsd.Restoration;
using Dsd.Regressor;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd train regressor</c>: trains psi, the no-reference regressor (docs/method.md §3), with checkpoints and resume.</summary>
internal static class TrainRegressorCommand
{
    /// <summary>Every option of the command, defined once.</summary>
    sealed class RegressorOptions
    {
        public readonly Option<string?> Config = new("--config") { Description = "Training config (JSON, snake_case fields as the flags: batch_size ↔ --batch-size); flags typed override it", HelpName = "FILE" };
        public readonly Option<string?> Data = new("--train") { Description = "Folders of natural training images, comma-separated (required unless --resume)", HelpName = "DIR[,DIR…]" };
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
        public readonly Option<string> Out = new("--out") { Description = "Run folder: last.json (+ its state file), psi.safetensors, psi_ema.safetensors, log.csv, snapshots/step-N.safetensors", DefaultValueFactory = _ => "runs/psi", HelpName = "DIR" };
        public readonly Option<string?> Resume = new("--resume")
        {
            Description = "Continue the run in DIR (or --out when DIR is left out; or DIR/last.json) exactly (model, Adam, schedule, step, random streams) with its stored settings",
            HelpName = "DIR",
            Arity = ArgumentArity.ZeroOrOne,
        };
        public readonly Option<string?> Val = new("--val") { Description = "Held-out folders for validation RMSE, comma-separated", HelpName = "DIR[,DIR…]" };
        public readonly Option<int> ValCrops = new("--val-crops") { Description = "Fixed validation crops per validation image", DefaultValueFactory = _ => 4, HelpName = "K" };
        public readonly Option<long> Seed = new("--seed") { Description = "Seed of the initial weights, crops, flips and noise", DefaultValueFactory = _ => 0 };
        public readonly Option<double> Ema = new("--ema") { Description = "Keep an exponential moving average of the weights with this decay (e.g. 0.999); 0 = off", DefaultValueFactory = _ => 0 };
        public readonly Option<int> Bank = new("--bank") { Description = "Precompute targets once for N fixed crops (0 = fresh crops and targets at every step)", DefaultValueFactory = _ => 0, HelpName = "N" };
        public readonly Option<long?> EvalEvery = new("--val-every") { Description = "Steps between log rows with validation (default one epoch)", HelpName = "N" };
        public readonly Option<long> SaveEvery = new("--save-every") { Description = "Steps between checkpoints and weight snapshots (one is always written at the end)", DefaultValueFactory = _ => 500, HelpName = "N" };
        public readonly Option<bool> Strict = CommonOptions.Strict("train on the others");
        public readonly Option<string> Device = CommonOptions.Device();
        public readonly Option<string> VggWeights = VggWeightsOption.Create();
        public readonly Option<int> OldBatch;

        /// <summary>Every number that sizes the run is bounded before anything is read.</summary>
        void Bound()
        {
            Crop.Within(8, 1_024);
            BatchSize.Within(2, WorkLimits.MaxBatch);
            Steps.Within(1, WorkLimits.MaxSteps);
            Epochs.Within(1e-6, 1e6);
            LrStep.Within(1, WorkLimits.MaxSteps);
            EvalEvery.Within(1, WorkLimits.MaxSteps);
            SaveEvery.Within(1, WorkLimits.MaxSteps);
            ValCrops.Within(1, WorkLimits.MaxCrops);
            // The bank keeps psi's input crops in memory: 50,000 crops of 80² are 3.8 GB.
            Bank.Within(0, 50_000);
        }
        public readonly Option<double> OldGamma;
        public readonly Option<string?> OldData;
        public readonly Option<long?> OldEvalEvery;

        public RegressorOptions()
        {
            Alpha.AcceptOnlyFromAmong(NoReferenceRegressor.AlphaNames);
            Target.AcceptOnlyFromAmong("norm", "log-normal");
            OldBatch = CommonOptions.OldName(BatchSize, "--batch");
            OldGamma = CommonOptions.OldName(LrGamma, "--gamma");
            // The same words as dsd train sr|deblur; the old ones stay hidden for one version.
            OldData = CommonOptions.OldName(Data, "--data");
            OldEvalEvery = CommonOptions.OldName(EvalEvery, "--eval-every");
            Bound();
        }

        /// <summary>The options a checkpoint stores (ignored, with a warning, when resuming).</summary>
        public Option[] Stored => [Config, Data, Alpha, Target, Crop, BatchSize, Epochs, Lr, LrGamma, LrStep, Val, ValCrops, Seed, Ema, Bank, EvalEvery, SaveEvery, OldBatch, OldGamma, OldData, OldEvalEvery];

        public IEnumerable<Option> All => [.. Stored[..^4], Steps, Out, Resume, Strict, Device, VggWeights, OldBatch, OldGamma, OldData, OldEvalEvery];
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
            var resume = config is null;
            if (config is null)
            {
                config = RegressorCheckpoint.ReadManifest(folder).Config;
                if (parse.GetValue(o.Steps) is { } steps) config = config with { Steps = steps };
            }
            RegressorTrainer? trainer = null;
            var summary = WithProgress(report =>
            {
                trainer = new RegressorTrainer(config, folder, vgg, dev) { Progress = report, Unreadable = unreadable };
                return trainer.Run(resume, interrupt.Token);
            });
            if (summary.Interrupted)
                CliRunner.Info($"stopped at step {summary.Step}; checkpoint in {folder} (continue with --resume {folder})");
            else
                Report(summary, trainer!, folder);
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
            var folder = parse.GetValue(o.Resume) ?? parse.GetValue(o.Out)!;
            // The manifest stands for its run folder, as in dsd train sr --resume DIR/last.json.
            if (File.Exists(folder) && folder.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) folder = Path.GetDirectoryName(Path.GetFullPath(folder))!;
            return (folder, null);
        }
        // As dsd train sr: a config file (snake_case keys named like the flags) is the base, the flags typed override it.
        var file = parse.GetValue(o.Config);
        RegressorTrainingConfig? basis = null;
        if (file is not null)
        {
            if (!File.Exists(file) && !Directory.Exists(file)) throw new DsdException(DsdErrorKind.InvalidInput, $"{file}: config file not found");
            Serialization.InputFile.RequireRegular(file, DsdErrorKind.InvalidInput);
            basis = RegressorTrainingConfig.FromJson(File.ReadAllText(file), file);
        }
        T Pick<T>(Option<T> option, Func<RegressorTrainingConfig, T> fromFile, Option<T>? old = null)
        {
            if (parse.GetResult(option) is { Implicit: false } || basis is null && old is null) return parse.GetValue(option)!;
            if (old is not null && parse.GetResult(old) is not null) return parse.GetValue(old)!;
            return basis is null ? parse.GetValue(option)! : fromFile(basis);
        }
        IReadOnlyList<string> Folders(string? list) => list is null ? [] : CommonOptions.ParseList(list);
        var config = new RegressorTrainingConfig
        {
            Train = Folders(Pick(o.Data, c => c.Train.Count == 0 ? null : string.Join(',', c.Train), o.OldData)),
            Val = Folders(Pick(o.Val, c => c.Val.Count == 0 ? null : string.Join(',', c.Val))),
            Alpha = Pick(o.Alpha, c => (int)c.Alpha),
            Target = Pick(o.Target, c => c.Target == RegressorTarget.LogNormal ? "log-normal" : "norm") == "log-normal" ? RegressorTarget.LogNormal : RegressorTarget.Norm,
            Crop = Pick(o.Crop, c => c.Crop),
            BatchSize = Pick(o.BatchSize, c => c.BatchSize, o.OldBatch),
            Steps = Pick(o.Steps, c => c.Steps),
            Epochs = Pick(o.Epochs, c => c.Epochs),
            Lr = Pick(o.Lr, c => c.Lr),
            LrGamma = Pick(o.LrGamma, c => c.LrGamma, o.OldGamma),
            LrStep = Pick(o.LrStep, c => c.LrStep),
            Seed = Pick(o.Seed, c => c.Seed),
            Ema = Pick(o.Ema, c => c.Ema),
            Bank = Pick(o.Bank, c => c.Bank),
            ValCrops = Pick(o.ValCrops, c => c.ValCrops),
            ValEvery = Pick(o.EvalEvery, c => c.ValEvery, o.OldEvalEvery),
            SaveEvery = Pick(o.SaveEvery, c => c.SaveEvery),
        };
        if (config.Train.Count == 0) throw new DsdException(DsdErrorKind.Usage, "--train: required (the folders of training images)");
        config.Validate();
        return (parse.GetValue(o.Out)!, config);
    }

    static TrainingResult WithProgress(Func<Action<TrainingProgress>, TrainingResult> run)
    {
        if (Console.IsErrorRedirected)
        {
            // Logs and nohup: a line per log row while training (as dsd train sr prints), now and then while preparing.
            var last = DateTime.MinValue;
            return run(p =>
            {
                if (p.Phase == "train")
                {
                    if (p.Logged) CliRunner.Info(FormattableString.Invariant($"step {p.Done}/{p.Total}  loss {p.Loss:G5}  lr {p.LearningRate:G3}  {p.SecondsPerStep:F3} s/step"));
                    return;
                }
                if (p.Done != p.Total && DateTime.UtcNow - last < TimeSpan.FromSeconds(30)) return;
                last = DateTime.UtcNow;
                CliRunner.Info($"{p.Phase} {p.Done}/{p.Total}");
            });
        }
        TrainingResult? summary = null;
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

    static void Report(TrainingResult s, RegressorTrainer trainer, string folder)
    {
        CliRunner.Info($"step {s.Step}, {s.Seconds:F0} s of training; weights in {Path.Combine(folder, RegressorCheckpoint.WeightsFileName)}"
            + (trainer.ValidationEmaRmse is null ? "" : $" and {Path.Combine(folder, RegressorCheckpoint.AverageFileName)}")
            + $"; log in {Path.Combine(folder, RegressorLog.FileName)}");
        if (trainer.ValidationRmse is not { } rmse) return;
        var table = new Table().Title("validation RMSE of mean |DSD|").AddColumn("layer").AddColumn(new TableColumn("psi").RightAligned());
        if (trainer.ValidationEmaRmse is not null) table.AddColumn(new TableColumn("psi (EMA)").RightAligned());
        table.AddColumn(new TableColumn("constant").RightAligned());
        for (var i = 0; i < NoReferenceRegressor.Layers.Count; i++)
        {
            var row = new List<string> { NoReferenceRegressor.Layers[i], E(rmse[i]) };
            if (trainer.ValidationEmaRmse is { } ema) row.Add(E(ema[i]));
            row.Add(E(trainer.ValidationConstantRmse![i]));
            table.AddRow(row.ToArray());
        }
        CliRunner.Stdout.Write(table);
    }

    static string E(double v) => v.ToString("E4", CultureInfo.InvariantCulture);
}
