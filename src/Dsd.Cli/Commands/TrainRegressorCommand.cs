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
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Folders of natural training images, comma-separated (required unless --resume)", HelpName = "DIR[,DIR…]" };
        var alpha = new Option<int>("--alpha") { Description = "Downscale factor α psi is trained for", DefaultValueFactory = _ => 4 };
        alpha.AcceptOnlyFromAmong("2", "4");
        var crop = new Option<int>("--crop") { Description = "Side of psi's input crop; the targets come from the full-resolution crop of side crop·α", DefaultValueFactory = _ => 80, HelpName = "N" };
        var batch = new Option<int>("--batch-size") { Description = "Crops per step", DefaultValueFactory = _ => 16, HelpName = "N" };
        var oldBatch = CommonOptions.OldName(batch, "--batch");
        var epochs = new Option<double?>("--epochs") { Description = "Passes over the images (or the bank); default 1 when --steps is absent", HelpName = "N" };
        var steps = new Option<long?>("--steps") { Description = "Optimiser steps in all (overrides --epochs; with --resume, the new total)", HelpName = "N" };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate (betas 0.9, 0.999)", DefaultValueFactory = _ => 2e-4 };
        var gamma = new Option<double>("--lr-gamma") { Description = "Learning-rate factor at each decay", DefaultValueFactory = _ => 0.5 };
        var oldGamma = CommonOptions.OldName(gamma, "--gamma");
        var lrStep = new Option<long?>("--lr-step") { Description = "Steps between decays (default 40% of the total)", HelpName = "N" };
        var output = new Option<string>("--out") { Description = "Run folder: checkpoint.safetensors, psi.safetensors, psi_ema.safetensors, log.csv, snapshots/step-N.safetensors", DefaultValueFactory = _ => "runs/psi", HelpName = "DIR" };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the run in DIR (or --out when DIR is left out) exactly (model, Adam, schedule, step, random streams) with its stored settings",
            HelpName = "DIR",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var val = new Option<string?>("--val") { Description = "Held-out folders for validation RMSE, comma-separated", HelpName = "DIR[,DIR…]" };
        var valCrops = new Option<int>("--val-crops") { Description = "Fixed validation crops per validation image", DefaultValueFactory = _ => 4, HelpName = "K" };
        var seed = new Option<long>("--seed") { Description = "Seed of the initial weights, crops, flips and noise", DefaultValueFactory = _ => 0 };
        var ema = new Option<double>("--ema") { Description = "Keep an exponential moving average of the weights with this decay (e.g. 0.999); 0 = off", DefaultValueFactory = _ => 0 };
        var bank = new Option<int>("--bank") { Description = "Precompute targets once for N fixed crops (0 = fresh crops and targets at every step)", DefaultValueFactory = _ => 0, HelpName = "N" };
        var evalEvery = new Option<long?>("--eval-every") { Description = "Steps between log rows with validation (default one epoch)", HelpName = "N" };
        var saveEvery = new Option<long>("--save-every") { Description = "Steps between checkpoints and weight snapshots (one is always written at the end)", DefaultValueFactory = _ => 500, HelpName = "N" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (results are reproducible for a fixed count)", HelpName = "N" };
        var device = CommonOptions.Device();

        var command = new Command("regressor", "Train psi, the no-reference regressor: psi(x↓α) ≈ mean |DSD_α^l(x)| on random crops of natural images")
        {
            data, alpha, crop, batch, epochs, steps, lr, gamma, lrStep, output, resume, val, valCrops, seed, ema, bank, evalEvery, saveEvery,
            threads, device, VggWeightsOption.Create(), oldBatch, oldGamma,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            if (parse.GetValue(threads) is { } n) TorchSharp.torch.set_num_threads(n);
            var resuming = parse.GetResult(resume) is not null;
            var folder = (resuming ? parse.GetValue(resume) : null) ?? parse.GetValue(output)!;
            RegressorTrainingConfig? config = null;
            if (resuming)
            {
                Option[] stored = [data, alpha, crop, batch, epochs, lr, gamma, lrStep, val, valCrops, seed, ema, bank, evalEvery, saveEvery, oldBatch, oldGamma];
                var given = stored.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
                if (given.Count > 0)
                    CliRunner.Warn($"--resume takes its settings from the checkpoint; ignoring {string.Join(", ", given)}");
            }
            else
            {
                var dataText = parse.GetValue(data) ?? throw new DsdException(DsdErrorKind.InvalidInput, "--data: required (the folders of training images)");
                config = new RegressorTrainingConfig
                {
                    Data = CommonOptions.ParseList(dataText),
                    Validation = parse.GetValue(val) is { } v ? CommonOptions.ParseList(v) : [],
                    Alpha = parse.GetValue(alpha),
                    Crop = parse.GetValue(crop),
                    BatchSize = CommonOptions.GetRenamed(parse, batch, oldBatch),
                    Steps = parse.GetValue(steps),
                    Epochs = parse.GetValue(epochs),
                    Lr = parse.GetValue(lr),
                    LrGamma = CommonOptions.GetRenamed(parse, gamma, oldGamma),
                    LrStep = parse.GetValue(lrStep),
                    Seed = parse.GetValue(seed),
                    Ema = parse.GetValue(ema),
                    Bank = parse.GetValue(bank),
                    ValidationCrops = parse.GetValue(valCrops),
                    EvalEvery = parse.GetValue(evalEvery),
                    SaveEvery = parse.GetValue(saveEvery),
                };
                config.Validate();
            }
            using var weights = VggWeightsOption.Load(parse);
            using var vgg = new Vgg19Features(NoReferenceRegressor.Layers, weights, dev);
            using var interrupt = new TrainingInterrupt();
            var summary = WithProgress(report => config is null
                ? RegressorTrainer.Resume(folder, vgg, dev, parse.GetValue(steps), report, interrupt.Token)
                : RegressorTrainer.Start(config, folder, vgg, dev, report, interrupt.Token));
            if (summary.Interrupted)
            {
                CliRunner.Info($"stopped at step {summary.Step}; checkpoint in {folder} (continue with --resume {folder})");
                return 130;
            }
            Report(summary);
            return 0;
        }));
        return command;
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
