using System.Diagnostics;
using System.Globalization;
using Dsd.Networks;
using Dsd.Restoration;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;
using Dsd.Training;
using Dsd.Training.Regressor;

namespace Dsd.Training.Restoration;

/// <summary>What a finished (or interrupted) run reached.</summary>
public sealed record TrainingResult(long Step, bool Interrupted, ValidationScores? LastScores, double SecondsPerStep, string LastCheckpoint);

/// <summary>
/// Trains a restoration generator (docs/method.md §5) on the shared training core (<see cref="TrainingLoop"/>,
/// <see cref="Adam"/>, <see cref="LearningRateSchedule"/>, <see cref="WeightAverage"/>, <see cref="CsvLog"/>,
/// <see cref="CheckpointCommit"/>): batches from <see cref="PatchDataset"/> on a loader thread, the weighted
/// <see cref="TrainingLosses"/>, optional gradient clipping, validation every <c>val_every</c> steps, checkpoints
/// "last" and "best", CSV logs <c>train.csv</c> and <c>val.csv</c>. Everything random is seeded per step, so a run
/// resumed from a checkpoint continues exactly.
/// </summary>
public sealed class RestorationTrainer(RestorationTrainingConfig config, VggWeights? vggWeights = null)
{
    /// <summary>Progress lines (the library does not write to the console; the CLI prints these).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The run's settings, paths made absolute (checkpoints store them, so a resume works from any directory).</summary>
    public RestorationTrainingConfig Config { get; } = config.WithAbsolutePaths();

    /// <param name="resume">A checkpoint ("last") to continue from, or null to start.</param>
    /// <param name="cancel">Stops after the current step, saving "last" first.</param>
    public TrainingResult Run(string? resume = null, CancellationToken cancel = default)
    {
        Config.Validate();
        var task = RestorationNetworks.Parse(Config.Task);
        var device = Devices.Parse(Config.Device);
        var outDir = Config.Out!;
        Directory.CreateDirectory(outDir);
        CheckpointCommit.RemoveStaleTemps(outDir);

        var trainPairs = TrainingPairs.Find(Config.Train!, task);
        using var data = new PatchDataset(trainPairs, task, new PatchOptions(Config.BatchSize, Config.Crop, Config.Augment, Config.Dequantize, Config.BlurKernel, Config.BlurNoise, Config.Seed));
        using var validator = Config.Val is null ? null
            : new Validator(TrainingPairs.Find(Config.Val, task).Take(Config.ValMax > 0 ? Config.ValMax : int.MaxValue).ToList(), task, Config.Seed, vggWeights, device);

        manual_seed(Config.Seed);
        using var net = RestorationNetworks.Create(task, Config.Blocks);
        if (Config.Init is not null) LoadInit(net, Config.Init);
        net.to(device);
        net.train();
        using var ema = Config.Ema > 0 ? RestorationNetworks.Create(task, Config.Blocks) : null;
        ema?.to(device);
        var average = ema is null ? null : Average(net, ema, Config.Ema);
        using var adam = new Adam(net.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList(), Config.Beta1, Config.Beta2, Config.Eps);
        using var losses = new TrainingLosses(Config, vggWeights, device);
        if (losses.PerceptualLayer is { } layer && layer != "conv5_4")
            Log?.Invoke($"perceptual loss on {layer}: the VGG19 weights ({vggWeights?.Path}) stop before conv5_4");

        long start = 0;
        double? bestMerit = null;
        long bestStep = 0;
        if (resume is not null)
        {
            var (_, sidecar) = RestorationCheckpoint.ReadSidecar(resume);
            RestorationCheckpoint.LoadState(resume, sidecar, net, ema, adam);
            start = (long)sidecar["step"]!;
            bestMerit = (double?)sidecar["best_merit"];
            bestStep = (long?)sidecar["best_step"] ?? 0;
            Log?.Invoke($"resumed from {resume} at step {start}");
        }
        using var trainCsv = new CsvLog(Path.Combine(outDir, "train.csv"), ["step", "lr", "loss", .. losses.Names, "seconds_per_step"], start);
        using var valCsv = new CsvLog(Path.Combine(outDir, "val.csv"), ["step", "psnr_y", "ssim", "dsd"], start);

        var schedule = Config.LearningRates();
        ValidationScores? scores = null;
        // Times the steps (batch wait included), not validation or checkpoints.
        var clock = new Stopwatch();
        var stepsTimed = 0L;
        var lastCheckpoint = CheckpointFiles.Sidecar(outDir, "last");
        double SecondsPerStep() => stepsTimed > 0 ? clock.Elapsed.TotalSeconds / stepsTimed : double.NaN;
        void SaveLast(long step) => RestorationCheckpoint.Save(outDir, "last", Config, new(step, bestMerit, bestStep, scores, losses.PerceptualLayer), net, ema, adam);

        double total = 0, lr = 0;
        Dictionary<string, double> terms = [];
        using var queue = new BatchQueue(data.Sample, start, Config.Steps, Config.Queue);
        void Update(long step)
        {
            clock.Start();
            lr = schedule.At(step);
            using (var batch = queue.Take())
            using (var scope = NewDisposeScope())
            {
                // Per-step seeding makes random projections and the like independent of where a run was resumed.
                manual_seed(Config.Seed * 1_000_003L + step);
                var input = batch.Input.to(device);
                var target = batch.Target.to(device);
                net.zero_grad();
                var (loss, values) = losses.Compute(net.call(input), target);
                total = loss.item<float>();
                if (!double.IsFinite(total)) throw new DsdException(DsdErrorKind.Numerical, $"step {step + 1}: the loss is {total}");
                loss.backward();
                if (Config.ClipGrad > 0) adam.ClipGradients(Config.ClipGrad);
                adam.Steps = step; // t of this update is step + 1, also right after a resume
                adam.Step(lr);
                average?.Update(step + 1);
                terms = values;
            }
            clock.Stop();
            stepsTimed++;
        }
        void After(long step)
        {
            if (step % Config.LogEvery == 0 || step == Config.Steps)
            {
                trainCsv.Row([step, lr, total, .. losses.Names.Select(n => terms[n]), SecondsPerStep()]);
                Log?.Invoke($"step {step}/{Config.Steps}  loss {total:G5}  lr {lr:G3}  {SecondsPerStep():F3} s/step");
            }
            var validate = validator is not null && (step % Config.ValEvery == 0 || step == Config.Steps);
            if (validate)
            {
                scores = Validate(validator!, ema ?? net, step, outDir);
                valCsv.Row([step, scores.PsnrY, scores.Ssim, scores.Dsd ?? double.NaN]);
                var merit = scores.Merit(Config.BestMetric);
                if (bestMerit is null || merit > bestMerit)
                {
                    (bestMerit, bestStep) = (merit, step);
                    RestorationCheckpoint.Save(outDir, "best", Config, new(step, bestMerit, bestStep, scores, losses.PerceptualLayer), net, ema, adam: null);
                }
            }
            if (validate || step == Config.Steps || (Config.SaveEvery > 0 && step % Config.SaveEvery == 0)) SaveLast(step);
        }
        var end = TrainingLoop.Run(start, Config.Steps, Update, After, SaveLast, cancel);
        if (end.Interrupted) Log?.Invoke($"interrupted at step {end.Step}; saved {lastCheckpoint}");
        return new(end.Step, end.Interrupted, scores, SecondsPerStep(), lastCheckpoint);
    }

    ValidationScores Validate(Validator validator, nn.Module<Tensor, Tensor> network, long step, string outDir)
    {
        var samples = Path.Combine(outDir, "samples");
        Directory.CreateDirectory(samples);
        var scores = validator.Run(network, Config.Samples, name => Path.Combine(samples, $"step{step:D7}_{name}.png"));
        Log?.Invoke($"validation at step {step}: PSNR-Y {scores.PsnrY:F3} dB  SSIM {scores.Ssim:F4}" + (scores.Dsd is { } d ? $"  DSD {d:G4}" : ""));
        return scores;
    }

    /// <summary>The learning rate of update <paramref name="step"/> (0-based).</summary>
    public double LearningRate(long step) => Config.LearningRates().At(step);

    /// <summary>A plain exponential average (no warm-up, as the SR recipe's EMA), started from the network's weights.</summary>
    static WeightAverage Average(nn.Module<Tensor, Tensor> net, nn.Module<Tensor, Tensor> ema, double decay)
    {
        var source = NetworkWeights.ReferenceStateDict(net);
        var pairs = NetworkWeights.ReferenceStateDict(ema).Select(kv => (kv.Key, source[kv.Key], kv.Value)).ToList();
        foreach (var p in ema.parameters()) p.requires_grad = false;
        ema.eval();
        var average = new WeightAverage(pairs, decay, warmUp: false);
        average.Reset();
        return average;
    }

    static void LoadInit(nn.Module<Tensor, Tensor> net, string path)
    {
        path = CheckpointFiles.WeightsPathOf(path);
        if (!File.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: init checkpoint not found");
        var state = StateDict.Load(path);
        try { NetworkWeights.Load(net, state, path); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }
}
