using System.Diagnostics;
using Dsd.Networks;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// Everything one restoration run holds while <see cref="TrainingLoop"/> drives it: data, generator (and its EMA),
/// optimiser, losses, validation, logs, and what the checkpoints record. <see cref="RestorationTrainer"/> opens it,
/// resumes it and hands its <see cref="Update"/>, <see cref="After"/> and <see cref="SaveLast"/> to the loop.
/// </summary>
internal sealed class RestorationRun : IDisposable
{
    readonly RestorationTrainingConfig config;
    readonly Action<string>? log;
    readonly Device device;
    readonly string outDir;
    readonly PatchDataset data;
    readonly Validator? validator;
    readonly nn.Module<Tensor, Tensor> net;
    readonly nn.Module<Tensor, Tensor>? ema;
    readonly WeightAverage? average;
    readonly Adam adam;
    readonly TrainingLosses losses;
    readonly LearningRateSchedule schedule;
    // Times the steps (batch wait included), not validation or checkpoints.
    readonly Stopwatch clock = new();
    CsvLog? trainCsv, valCsv;
    BatchQueue? queue;
    long stepsTimed;
    double? bestMerit;
    long bestStep;
    double loss, lr;
    Dictionary<string, double> terms = [];

    public RestorationRun(RestorationTrainingConfig config, VggWeights? vggWeights, Action<string>? log, List<string>? unreadable = null)
    {
        this.config = config;
        this.log = log;
        var task = RestorationTask.Parse(config.Task);
        device = Devices.Parse(config.Device);
        outDir = config.Out!;
        Directory.CreateDirectory(outDir);
        CheckpointCommit.RemoveStaleTemps(outDir);

        data = new PatchDataset(TrainingPairs.Find(config.Train!, task, unreadable), task,
            new PatchOptions(config.BatchSize, config.Crop, config.Augment, config.Dequantize, config.BlurKernel, config.BlurNoise, config.Seed));
        validator = config.Val is null ? null
            : new Validator(TrainingPairs.Find(config.Val, task, unreadable).Take(config.ValMax > 0 ? config.ValMax : int.MaxValue).ToList(), task, config.Seed, vggWeights, device);

        manual_seed(config.Seed);
        net = RestorationNetworks.Create(task, config.Blocks);
        if (config.Init is not null) LoadInit(net, config.Init);
        if (config.ZeroTail) task.Network.ZeroTail(net);
        net.to(device);
        net.train();
        if (config.Ema > 0)
        {
            ema = RestorationNetworks.Create(task, config.Blocks);
            ema.to(device);
            average = Average(net, ema, config.Ema);
        }
        adam = new Adam(net.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList(), config.Beta1, config.Beta2, config.Eps);
        losses = new TrainingLosses(config, vggWeights, device);
        if (losses.PerceptualLayer is { } layer && layer != "conv5_4")
            log?.Invoke($"perceptual loss on {layer}: the VGG19 weights ({vggWeights?.Path}) stop before conv5_4");
        schedule = config.LearningRates();
        LastCheckpoint = CheckpointFiles.Sidecar(outDir, "last");
    }

    /// <summary>Steps completed before this session (0, or where the resumed checkpoint stopped).</summary>
    public long Start { get; private set; }

    /// <summary>The last validation's scores.</summary>
    public ValidationScores? Scores { get; private set; }

    public string LastCheckpoint { get; }

    public double SecondsPerStep => stepsTimed > 0 ? clock.Elapsed.TotalSeconds / stepsTimed : double.NaN;

    /// <summary>Continues from checkpoint <paramref name="path"/>: weights, EMA, Adam, step and best score.</summary>
    public void Resume(string path)
    {
        var (_, sidecar) = RestorationCheckpoint.ReadSidecar(path);
        RestorationCheckpoint.LoadState(path, sidecar, net, ema, adam);
        Start = (long)sidecar["step"]!;
        bestMerit = (double?)sidecar["best_merit"];
        bestStep = (long?)sidecar["best_step"] ?? 0;
        log?.Invoke($"resumed from {path} at step {Start}");
    }

    /// <summary>One optimisation step on batch number <paramref name="step"/> (0-based).</summary>
    public void Update(long step)
    {
        OpenOutputs();
        clock.Start();
        lr = schedule.At(step);
        using (var batch = queue!.Take())
        using (var scope = NewDisposeScope())
        {
            // Per-step seeding makes random projections and the like independent of where a run was resumed.
            manual_seed(config.Seed * 1_000_003L + step);
            var input = batch.Input.to(device);
            var target = batch.Target.to(device);
            net.zero_grad();
            var (total, values) = losses.Compute(net.call(input), target);
            loss = total.item<float>();
            if (!double.IsFinite(loss)) throw new DsdException(DsdErrorKind.Numerical, $"step {step + 1}: the loss is {loss}");
            total.backward();
            if (config.ClipGrad > 0) adam.ClipGradients(config.ClipGrad);
            adam.Steps = step; // t of this update is step + 1, also right after a resume
            adam.Step(lr);
            average?.Update(step + 1);
            terms = values;
        }
        clock.Stop();
        stepsTimed++;
    }

    /// <summary>After <paramref name="step"/> steps: the log row, validation and "best", and the "last" checkpoint when due.</summary>
    public void After(long step)
    {
        if (step % config.LogEvery == 0 || step == config.Steps)
        {
            trainCsv!.Row([step, lr, loss, .. losses.Names.Select(n => terms[n]), SecondsPerStep]);
            log?.Invoke($"step {step}/{config.Steps}  loss {loss:G5}  lr {lr:G3}  {SecondsPerStep:F3} s/step");
        }
        var validate = validator is not null && (step % config.ValEvery == 0 || step == config.Steps);
        if (validate) Validate(step);
        if (validate || step == config.Steps || (config.SaveEvery > 0 && step % config.SaveEvery == 0)) SaveLast(step);
    }

    public void SaveLast(long step) => RestorationCheckpoint.Save(outDir, "last", config, Info(step), net, ema, adam);

    void Validate(long step)
    {
        var samples = Path.Combine(outDir, "samples");
        Directory.CreateDirectory(samples);
        var scores = validator!.Run(ema ?? net, config.Samples, name => Path.Combine(samples, $"step{step:D7}_{name}.png"));
        Scores = scores;
        valCsv!.Row([step, scores.PsnrY, scores.Ssim, scores.Dsd ?? double.NaN]);
        log?.Invoke($"validation at step {step}: PSNR-Y {scores.PsnrY:F3} dB  SSIM {scores.Ssim:F4}" + (scores.Dsd is { } d ? $"  DSD {d:G4}" : ""));
        var merit = scores.Merit(config.BestMetric);
        if (bestMerit is not null && merit <= bestMerit) return;
        (bestMerit, bestStep) = (merit, step);
        RestorationCheckpoint.Save(outDir, "best", config, Info(step), net, ema, adam: null);
    }

    RestorationCheckpoint.Info Info(long step) => new(step, bestMerit, bestStep, Scores, losses.PerceptualLayer);

    /// <summary>Logs (trimmed to the resumed step) and the batch loader start with the first step, once <see cref="Start"/> is known.</summary>
    void OpenOutputs()
    {
        if (queue is not null) return;
        trainCsv = new CsvLog(Path.Combine(outDir, "train.csv"), ["step", "lr", "loss", .. losses.Names, "seconds_per_step"], Start);
        valCsv = new CsvLog(Path.Combine(outDir, "val.csv"), ["step", "psnr_y", "ssim", "dsd"], Start);
        queue = new BatchQueue(data.Sample, Start, config.Steps, config.Queue);
    }

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

    public void Dispose()
    {
        queue?.Dispose();
        trainCsv?.Dispose();
        valCsv?.Dispose();
        losses.Dispose();
        adam.Dispose();
        ema?.Dispose();
        net.Dispose();
        validator?.Dispose();
        data.Dispose();
    }
}
