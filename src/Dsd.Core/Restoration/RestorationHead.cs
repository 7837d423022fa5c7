using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Networks;
using Dsd.Serialization;
using Dsd.Training;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Restoration;

/// <summary>
/// The restoration head of a <see cref="TrainingRun"/> (docs/method.md §5): patches from <see cref="PatchDataset"/> on a
/// loader thread, the generator (and its EMA copy), the weighted <see cref="TrainingLosses"/>, validation every
/// <c>val_every</c> steps with the "best" checkpoint, and the checkpoint files of <see cref="RestorationCheckpoint"/>.
/// Logs <c>train.csv</c> (step, lr, loss, each term, s/step) and <c>val.csv</c>.
/// </summary>
internal sealed class RestorationHead : TrainingHead
{
    readonly RestorationTrainingConfig config;
    readonly RestorationTask task;
    readonly Device device;
    readonly PatchDataset data;
    readonly Validator? validator;
    readonly nn.Module<Tensor, Tensor> net;
    readonly nn.Module<Tensor, Tensor>? ema;
    readonly TrainingLosses losses;
    readonly Action<string>? message;
    CsvLog? valCsv;
    BatchQueue? queue;
    double? bestMerit;
    long bestStep;
    Dictionary<string, double> terms = [];

    public RestorationHead(RestorationTrainingConfig config, VggWeights? vggWeights, Action<string>? message, List<string>? unreadable)
    {
        this.config = config;
        this.message = message;
        task = RestorationTask.Parse(config.Task);
        device = Devices.Parse(config.Device);
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
            foreach (var p in ema.parameters()) p.requires_grad = false;
            ema.eval();
        }
        losses = new TrainingLosses(config, vggWeights, device);
        if (losses.PerceptualLayer is { } layer && layer != "conv5_4")
            message?.Invoke($"perceptual loss on {layer}: the VGG19 weights ({vggWeights?.Path}) stop before conv5_4");
        Parameters = net.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        Schedule = config.LearningRates();
    }

    public override string Format => RestorationCheckpoint.Format;
    public override string Folder => config.Out!;
    public override long Steps => config.Steps;
    public override nn.Module Model => net;
    public override IReadOnlyList<(string Name, Tensor Parameter)> Parameters { get; }
    public override (double Beta1, double Beta2, double Eps) AdamSettings => (config.Beta1, config.Beta2, config.Eps);
    public override LearningRateSchedule Schedule { get; }
    public override double ClipGrad => config.ClipGrad;
    public override nn.Module? AverageModel => ema;

    // A plain exponential average (no warm-up, as the SR recipe's EMA), started from the network's weights.
    public override (double Decay, bool WarmUp) AverageSettings => (config.Ema, false);

    public override IReadOnlyList<(string Name, Tensor Source, Tensor Average)> AveragePairs
    {
        get
        {
            if (ema is null) return [];
            var source = NetworkWeights.ReferenceStateDict(net);
            return NetworkWeights.ReferenceStateDict(ema).Select(kv => (kv.Key, source[kv.Key], kv.Value)).ToList();
        }
    }

    public override long LogEvery => config.LogEvery;
    public override long EvalEvery => validator is null ? 0 : config.ValEvery;
    public override long SaveEvery => config.SaveEvery;
    public override (string File, IReadOnlyList<string> Columns) Log => ("train.csv", ["step", "lr", "loss", .. losses.Names, "seconds_per_step"]);

    /// <summary>The last validation's scores.</summary>
    public ValidationScores? Scores { get; private set; }

    /// <summary>The validation log (trimmed to the resumed step) and the batch loader start once the first step is known.</summary>
    public override void Begin(long start)
    {
        valCsv = new CsvLog(Path.Combine(Folder, "val.csv"), ["step", "psnr_y", "ssim", "dsd"], start);
        queue = new BatchQueue(data.Sample, start, config.Steps, config.Queue);
    }

    public override Tensor Loss(long step)
    {
        using var batch = queue!.Take();
        // Per-step seeding makes random projections and the like independent of where a run was resumed.
        manual_seed(config.Seed * 1_000_003L + step);
        var (total, values) = losses.Compute(net.call(batch.Input.to(device)), batch.Target.to(device));
        terms = values;
        return total;
    }

    public override IEnumerable<string> LogRow(long step, TrainingRun run)
    {
        double[] row = [step, run.LearningRate, run.Loss, .. losses.Names.Select(n => terms[n]), run.SecondsPerStep];
        return row.Select(v => Csv.Number(v, "G9"));
    }

    /// <summary>Validation: val.csv, sample images, and "best" when the score improved; "last" is saved with it.</summary>
    public override bool Evaluate(long step, TrainingRun run)
    {
        var samples = Path.Combine(Folder, "samples");
        Directory.CreateDirectory(samples);
        var scores = validator!.Run(ema ?? net, config.Samples, name => Path.Combine(samples, $"step{step:D7}_{name}.png"));
        Scores = scores;
        valCsv!.Row([step, scores.PsnrY, scores.Ssim, scores.Dsd ?? double.NaN]);
        message?.Invoke($"validation at step {step}: PSNR-Y {scores.PsnrY:F3} dB  SSIM {scores.Ssim:F4}" + (scores.Dsd is { } d ? $"  DSD {d:G4}" : ""));
        var merit = scores.Merit(config.BestMetric);
        if (bestMerit is null || merit > bestMerit)
        {
            (bestMerit, bestStep) = (merit, step);
            run.Save("best", step, resumable: false);
        }
        return true;
    }

    public override Dictionary<string, string> Metadata(long step)
    {
        var meta = RestorationNetworks.Describe(task, config.Blocks);
        meta["format"] = Format;
        return meta;
    }

    /// <summary>The generator's weights (the EMA's when kept) as reference-named safetensors, and the same for PyTorch's torch.load.</summary>
    public override void WriteWeights(string name, long step, Dictionary<string, string> metadata)
    {
        SafeTensors.Save(CheckpointFiles.Weights(Folder, name), NetworkWeights.ReferenceStateDict(ema ?? net), metadata);
        PyTorchZipWriter.Save(CheckpointFiles.PyTorch(Folder, name), NetworkWeights.ReferenceStateDict(ema ?? net));
    }

    public override JsonObject Describe(string name, long step) => new()
    {
        ["format"] = Format,
        ["task"] = config.Task,
        ["architecture"] = task.Network.Name,
        ["blocks"] = config.Blocks,
        ["step"] = step,
        ["weights"] = Path.GetFileName(CheckpointFiles.Weights(Folder, name)),
        ["pytorch_weights"] = Path.GetFileName(CheckpointFiles.PyTorch(Folder, name)),
        ["weights_are_ema"] = ema is not null,
        ["state"] = null,
        ["best_metric"] = config.BestMetric,
        ["best_merit"] = bestMerit,
        ["best_step"] = bestStep,
        ["perceptual_layer"] = losses.PerceptualLayer,
        ["validation"] = Scores is null ? null : JsonSerializer.SerializeToNode(Scores, RestorationTrainingConfig.Json),
        ["config"] = JsonNode.Parse(config.ToJson()),
    };

    public override void Restore(JsonObject manifest)
    {
        bestMerit = (double?)manifest["best_merit"];
        bestStep = (long?)manifest["best_step"] ?? 0;
    }

    static void LoadInit(nn.Module<Tensor, Tensor> net, string path)
    {
        path = CheckpointFiles.WeightsPathOf(path);
        if (!File.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: init checkpoint not found");
        var state = StateDict.Load(path);
        try { NetworkWeights.Load(net, state, path); }
        finally { foreach (var t in state.Values) t.Dispose(); }
    }

    public override void Dispose()
    {
        queue?.Dispose();
        valCsv?.Dispose();
        losses.Dispose();
        ema?.Dispose();
        net.Dispose();
        validator?.Dispose();
        data.Dispose();
    }
}
