using System.Diagnostics;
using System.Globalization;
using Dsd.Networks;
using Dsd.Restoration;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>What a finished (or interrupted) run reached.</summary>
public sealed record TrainingResult(long Step, bool Interrupted, ValidationScores? LastScores, double SecondsPerStep, string LastCheckpoint);

/// <summary>
/// Trains a restoration generator (SPEC §5): batches from <see cref="PatchDataset"/> on a loader thread, the weighted
/// <see cref="TrainingLosses"/>, <see cref="Adam"/> with a step or cosine schedule, optional gradient clipping and
/// EMA, validation every <c>val_every</c> steps, checkpoints "last" and "best", CSV logs <c>train.csv</c> and
/// <c>val.csv</c>. Everything random is seeded per step, so a run resumed from a checkpoint continues exactly.
/// </summary>
public sealed class Trainer(TrainingConfig config, IReadOnlyDictionary<string, Tensor>? vggWeights = null, string vggSource = "VGG19 weights")
{
    /// <summary>Progress lines (the library does not write to the console; the CLI prints these).</summary>
    public Action<string>? Log { get; init; }

    public TrainingConfig Config { get; } = config;

    /// <param name="resume">A checkpoint ("last") to continue from, or null to start.</param>
    /// <param name="cancel">Stops after the current step, saving "last" first.</param>
    public TrainingResult Run(string? resume = null, CancellationToken cancel = default)
    {
        Config.Validate();
        var task = RestorationNetworks.Parse(Config.Task);
        var device = ParseDevice(Config.Device);
        var outDir = Config.Out!;
        Directory.CreateDirectory(outDir);

        var trainPairs = TrainingPairs.Find(Config.Train!, task);
        using var data = new PatchDataset(trainPairs, task, new PatchOptions(Config.BatchSize, Config.Crop, Config.Augment, Config.Dequantize, Config.BlurKernel, Config.BlurNoise, Config.Seed));
        using var validator = Config.Val is null ? null
            : new Validator(TrainingPairs.Find(Config.Val, task).Take(Config.ValMax > 0 ? Config.ValMax : int.MaxValue).ToList(), task, Config.Seed, vggWeights, vggSource, device);

        manual_seed(Config.Seed);
        using var net = RestorationNetworks.Create(task, Config.Blocks);
        if (Config.Init is not null) LoadInit(net, Config.Init);
        net.to(device);
        net.train();
        using var ema = Config.Ema > 0 ? RestorationNetworks.Create(task, Config.Blocks) : null;
        if (ema is not null)
        {
            ema.to(device);
            CopyWeights(net, ema);
            foreach (var p in ema.parameters()) p.requires_grad = false;
            ema.eval();
        }
        using var adam = new Adam(net.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList(), Config.Beta1, Config.Beta2, Config.Eps);
        using var losses = new TrainingLosses(Config, vggWeights, vggSource, device);
        if (losses.PerceptualLayer is { } layer && layer != "conv5_4")
            Log?.Invoke($"perceptual loss on {layer}: the VGG19 weights ({vggSource}) stop before conv5_4");

        long step = 0;
        double? bestMerit = null;
        long bestStep = 0;
        if (resume is not null)
        {
            var (_, sidecar) = TrainingCheckpoint.ReadSidecar(resume);
            TrainingCheckpoint.LoadState(resume, sidecar, net, ema, adam);
            step = (long)sidecar["step"]!;
            bestMerit = (double?)sidecar["best_merit"];
            bestStep = (long?)sidecar["best_step"] ?? 0;
            Log?.Invoke($"resumed from {resume} at step {step}");
        }
        using var trainCsv = new CsvLog(Path.Combine(outDir, "train.csv"), ["step", "lr", "loss", .. losses.Names, "seconds_per_step"], step);
        using var valCsv = new CsvLog(Path.Combine(outDir, "val.csv"), ["step", "psnr_y", "ssim", "dsd"], step);

        ValidationScores? scores = null;
        // Times the steps (batch wait included), not validation or checkpoints.
        var clock = new Stopwatch();
        var stepsTimed = 0L;
        var lastCheckpoint = CheckpointFiles.Sidecar(outDir, "last");
        void SaveLast() => TrainingCheckpoint.Save(outDir, "last", Config, new(step, bestMerit, bestStep, scores, losses.PerceptualLayer), net, ema, adam);

        using (var queue = new BatchQueue(data.Sample, step, Config.Steps, Config.Queue))
        {
            while (step < Config.Steps)
            {
                if (cancel.IsCancellationRequested)
                {
                    SaveLast();
                    Log?.Invoke($"interrupted at step {step}; saved {lastCheckpoint}");
                    return new(step, true, scores, stepsTimed > 0 ? clock.Elapsed.TotalSeconds / stepsTimed : double.NaN, lastCheckpoint);
                }
                clock.Start();
                var lr = LearningRate(step);
                Dictionary<string, double> terms;
                double total;
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
                    if (ema is not null) UpdateEma(net, ema, Config.Ema);
                    terms = values;
                }
                clock.Stop();
                step++;
                stepsTimed++;
                var secondsPerStep = clock.Elapsed.TotalSeconds / stepsTimed;
                if (step % Config.LogEvery == 0 || step == Config.Steps)
                {
                    trainCsv.Row([step, lr, total, .. losses.Names.Select(n => terms[n]), secondsPerStep]);
                    Log?.Invoke($"step {step}/{Config.Steps}  loss {total:G5}  lr {lr:G3}  {secondsPerStep:F3} s/step");
                }
                var validate = validator is not null && (step % Config.ValEvery == 0 || step == Config.Steps);
                if (validate)
                {
                    var samples = Path.Combine(outDir, "samples");
                    Directory.CreateDirectory(samples);
                    scores = validator!.Run(ema ?? net, Config.Samples, name => Path.Combine(samples, $"step{step:D7}_{name}.png"));
                    valCsv.Row([step, scores.PsnrY, scores.Ssim, scores.Dsd ?? double.NaN]);
                    Log?.Invoke($"validation at step {step}: PSNR-Y {scores.PsnrY:F3} dB  SSIM {scores.Ssim:F4}" + (scores.Dsd is { } d ? $"  DSD {d:G4}" : ""));
                    var merit = scores.Merit(Config.BestMetric);
                    if (bestMerit is null || merit > bestMerit)
                    {
                        (bestMerit, bestStep) = (merit, step);
                        TrainingCheckpoint.Save(outDir, "best", Config, new(step, bestMerit, bestStep, scores, losses.PerceptualLayer), net, ema, adam: null);
                    }
                }
                if (validate || step == Config.Steps || (Config.SaveEvery > 0 && step % Config.SaveEvery == 0)) SaveLast();
            }
        }
        return new(step, false, scores, stepsTimed > 0 ? clock.Elapsed.TotalSeconds / stepsTimed : double.NaN, lastCheckpoint);
    }

    /// <summary>The learning rate of update <paramref name="step"/> (0-based): a pure function, so resuming needs no scheduler state.</summary>
    public double LearningRate(long step) => Config.Schedule == "cosine"
        ? Config.LrMin + 0.5 * (Config.Lr - Config.LrMin) * (1 + Math.Cos(Math.PI * step / Config.Steps))
        : Config.Lr * Math.Pow(Config.LrGamma, step / Config.LrStep);

    static void LoadInit(nn.Module<Tensor, Tensor> net, string path)
    {
        path = CheckpointFiles.WeightsPathOf(path);
        if (!File.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: init checkpoint not found");
        var state = StateDict.Load(path);
        try { NetworkWeights.Load(net, state, path); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var source = NetworkWeights.ReferenceStateDict(from);
        foreach (var (key, t) in NetworkWeights.ReferenceStateDict(to)) t.copy_(source[key]);
    }

    static void UpdateEma(nn.Module net, nn.Module ema, double decay)
    {
        using var noGrad = no_grad();
        var source = NetworkWeights.ReferenceStateDict(net);
        foreach (var (key, t) in NetworkWeights.ReferenceStateDict(ema)) t.mul_(decay).add_(source[key], alpha: 1 - decay);
    }

    static Device ParseDevice(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        if ((t == "cuda" || t.StartsWith("cuda:", StringComparison.Ordinal)) && cuda.is_available()) return new Device(t);
        throw new DsdException(DsdErrorKind.InvalidInput, $"device: '{text}' is not available (use cpu, or cuda with the CUDA runtime)");
    }

    /// <summary>An append-only CSV whose rows after <c>resumeStep</c> are dropped on opening, so a resumed run's log has no duplicates.</summary>
    sealed class CsvLog : IDisposable
    {
        readonly StreamWriter writer;

        public CsvLog(string path, IReadOnlyList<string> columns, long resumeStep)
        {
            var header = string.Join(",", columns);
            var keep = new List<string> { header };
            if (resumeStep > 0 && File.Exists(path))
                keep.AddRange(File.ReadLines(path).Skip(1).Where(l => long.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out var s) && s <= resumeStep));
            File.WriteAllLines(path, keep);
            writer = new StreamWriter(path, append: true) { AutoFlush = true };
        }

        public void Row(IEnumerable<double> values) =>
            writer.WriteLine(string.Join(",", values.Select(v => v.ToString("G9", CultureInfo.InvariantCulture))));

        public void Dispose() => writer.Dispose();
    }
}
