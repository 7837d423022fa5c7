using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Features;
using Dsd.Networks;
using Dsd.Serialization;
using Dsd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Regressor;

/// <summary>
/// The psi head of a <see cref="TrainingRun"/> (docs/method.md §3): MSE (or the log-normal NLL) between psi(x↓α) and
/// ‖DSD_α^l(x)‖₁ over random crops x — fresh crops at every step or a precomputed <see cref="CropBank"/> — with validation
/// RMSEs in each row of <c>log.csv</c> (<see cref="RegressorLog"/>) and the weights files of <see cref="RegressorCheckpoint"/>.
/// </summary>
internal sealed class RegressorHead : TrainingHead
{
    readonly RegressorTrainingConfig config;
    readonly Device device;
    readonly TrainingImages images;
    readonly CropBank? bank;
    readonly SampleSource source;
    readonly TrainingImages? validationImages;
    readonly CropBank? validation;
    readonly torch.Generator generator;
    readonly NoReferenceRegressor model;
    readonly NoReferenceRegressor? average;
    readonly List<(string Name, Tensor Tensor)> named;
    Tensor? output, targets;

    /// <summary>
    /// Loads the images and builds (or reads back) the crop banks, reporting through <paramref name="progress"/>; steps,
    /// decay and log interval are resolved against the data. When <paramref name="resuming"/>, a log-normal psi skips
    /// its constant start (the checkpoint gives every weight).
    /// </summary>
    public RegressorHead(RegressorTrainingConfig config, string folder, bool resuming, Vgg19Features vgg, Device device,
        Action<TrainingProgress>? progress, CancellationToken cancel, List<string>? unreadable)
    {
        Folder = folder;
        this.device = device;
        var side = (int)(config.Crop * config.Alpha);
        images = TrainingImages.Load(config.Train, side, failed: unreadable);
        bank = config.Bank > 0
            ? CachedBank(Path.Combine(folder, "bank.safetensors"), images, vgg, config, config.Bank, config.Seed, SplitMix64.Purpose.BankCrop, "bank", progress, cancel)
            : null;
        source = bank is null ? new OnTheFlySamples(images, vgg, config.Alpha, config.Crop, config.Seed) : new BankSamples(bank, config.Seed);
        validationImages = config.Val.Count > 0 ? TrainingImages.Load(config.Val, side, failed: unreadable) : null;
        // Validation crops do not depend on the training seed, so runs with different seeds are compared on the same crops.
        validation = validationImages is null ? null
            : CachedBank(Path.Combine(folder, "validation.safetensors"), validationImages, vgg, config,
                validationImages.Count * config.ValCrops, 0, SplitMix64.Purpose.ValidationCrop, "validation", progress, cancel);
        this.config = config.Resolve(source.Count);

        // A private generator: the global one is shared with anything else running in the process.
        generator = new torch.Generator((ulong)config.Seed);
        model = new NoReferenceRegressor(device, generator, config.Target);
        average = config.Ema > 0 ? new NoReferenceRegressor(device, target: config.Target) : null;
        if (!resuming && config.Target == RegressorTarget.LogNormal) model.StartAtConstant(source.StartingTargets());
        named = Distinct(model);
        var parameterHandles = model.parameters().Select(p => p.Handle).ToHashSet();
        Parameters = named.Where(n => parameterHandles.Contains(n.Tensor.Handle)).ToList();
        Schedule = new LearningRateSchedule("step", this.config.Lr, this.config.LrStep!.Value, this.config.LrGamma);
    }

    /// <summary>The settings with steps, decay and log interval resolved.</summary>
    public RegressorTrainingConfig Config => config;

    /// <summary>Running sums and counters, recorded in each checkpoint.</summary>
    public RegressorState State { get; private set; } = new();

    /// <summary>The last log row's validation RMSEs: psi, its average, the constant predictor (null without validation).</summary>
    public double[]? ValidationRmse { get; private set; }

    public double[]? ValidationEmaRmse { get; private set; }

    public double[]? ValidationConstantRmse { get; private set; }

    public override string Format => RegressorCheckpoint.Format;
    public override string Folder { get; }
    public override long Steps => config.Steps!.Value;
    public override nn.Module Model => model;
    public override IReadOnlyList<(string Name, Tensor Parameter)> Parameters { get; }
    public override LearningRateSchedule Schedule { get; }
    public override nn.Module? AverageModel => average;
    public override (double Decay, bool WarmUp) AverageSettings => (config.Ema, true);

    public override IReadOnlyList<(string Name, Tensor Source, Tensor Average)> AveragePairs =>
        average is null ? [] : named.Zip(Distinct(average), (m, a) => (m.Name, m.Tensor, a.Tensor)).ToList();

    // A log row (with validation) every eval_every steps; no separate evaluation.
    public override long LogEvery => config.ValEvery!.Value;
    public override long EvalEvery => 0;
    public override long SaveEvery => config.SaveEvery;
    public override (string File, IReadOnlyList<string> Columns) Log => (RegressorLog.FileName, RegressorLog.Columns);

    public override Tensor Loss(long step)
    {
        (var inputs, targets) = source.Batch(step * config.BatchSize, config.BatchSize, device);
        model.train();
        output = model.call(inputs);
        return RegressorTrainer.Loss(output, targets, config.Target);
    }

    /// <summary>The interval's running sums: psi's and the constant predictor's squared errors, before this update.</summary>
    public override void Stepped(long step, double loss)
    {
        var predicted = config.Target == RegressorTarget.Norm ? output! : output!.narrow(1, 0, NoReferenceRegressor.Layers.Count).exp();
        var p = predicted.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        var t = targets!.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        (output, targets) = (null, null);
        var state = State;
        var layers = NoReferenceRegressor.Layers.Count;
        for (var i = 0; i < t.Length; i++) state.TargetSum[i % layers] += t[i];
        state.TargetCount += t.Length / layers;
        var mean = state.TargetMean();
        for (var i = 0; i < t.Length; i++)
        {
            state.IntervalSquaredError[i % layers] += (p[i] - t[i]) * (p[i] - t[i]);
            state.IntervalConstantSquaredError[i % layers] += (mean[i % layers] - t[i]) * (mean[i % layers] - t[i]);
        }
        state.IntervalSamples += t.Length / layers;
        state.IntervalLoss += (float)loss;
        state.IntervalSteps++;
        state.Step = step + 1;
    }

    public override IEnumerable<string> LogRow(long step, TrainingRun run)
    {
        var state = State;
        if (validation is not null)
        {
            ValidationRmse = RegressorTrainer.Rmse(model, validation, device);
            ValidationEmaRmse = average is null ? null : RegressorTrainer.Rmse(average, validation, device);
            ValidationConstantRmse = ConstantRmse(state.TargetMean(), validation.Targets);
        }
        var n = Math.Max(1, state.IntervalSamples);
        var row = RegressorLog.Row(step, (double)step * config.BatchSize / source.Count, run.LearningRate, run.Seconds,
            state.IntervalLoss / Math.Max(1, state.IntervalSteps),
            state.IntervalSquaredError.Select(e => Math.Sqrt(e / n)).ToArray(),
            state.IntervalConstantSquaredError.Select(e => Math.Sqrt(e / n)).ToArray(), ValidationRmse, ValidationEmaRmse, ValidationConstantRmse);
        // An off-grid final row leaves the interval open, so that a resumed run logs the same rows as an uninterrupted one.
        if (step % LogEvery == 0) state.ResetInterval();
        return row;
    }

    public override Dictionary<string, string> Metadata(long step) => new()
    {
        ["alpha"] = config.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>psi.safetensors, psi_ema.safetensors and the snapshot of the weights that would be scored.</summary>
    public override void WriteWeights(string name, long step, Dictionary<string, string> metadata) =>
        RegressorCheckpoint.WriteWeights(Folder, step, model, average, metadata);

    public override JsonObject Describe(string name, long step) => new()
    {
        ["format"] = Format,
        ["step"] = step,
        ["state"] = null,
        ["config"] = JsonSerializer.SerializeToNode(config, TrainingConfigJson.Options),
        ["counters"] = JsonSerializer.SerializeToNode(State),
    };

    public override void Restore(JsonObject manifest) => State = RegressorCheckpoint.Counters(manifest, "checkpoint", Steps);

    static double[] ConstantRmse(double[] mean, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var m = tensor(mean).view(1, -1);
        return (targets.to_type(ScalarType.Float64) - m).square().mean([0]).sqrt().data<double>().ToArray();
    }

    /// <summary>Parameters and buffers under reference names, each tensor once (a shared SE gate under its first name).</summary>
    static List<(string Name, Tensor Tensor)> Distinct(nn.Module module) =>
        NetworkWeights.ReferenceStateDict(module).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .DistinctBy(kv => kv.Value.Handle).Select(kv => (kv.Key, kv.Value)).ToList();

    static CropBank CachedBank(string path, TrainingImages images, Vgg19Features vgg, RegressorTrainingConfig config, int count, long seed,
        SplitMix64.Purpose purpose, string phase, Action<TrainingProgress>? progress, CancellationToken cancel)
    {
        // The key names everything the entries depend on; a bank built for other settings is rebuilt, not reused.
        var key = JsonSerializer.Serialize(new
        {
            paths = images.Paths, alpha = config.Alpha, crop = config.Crop, count, seed, purpose = purpose.ToString(),
        });
        if (CropBank.TryLoad(path, key) is { } cached) return cached;
        var bank = CropBank.Build(images, vgg, config.Alpha, config.Crop, count, seed, purpose,
            done => progress?.Invoke(new TrainingProgress(phase, done, count)), cancel);
        bank.Save(path, key);
        return bank;
    }

    public override void Dispose()
    {
        average?.Dispose();
        model.Dispose();
        generator.Dispose();
        validation?.Dispose();
        validationImages?.Dispose();
        source.Dispose();
        bank?.Dispose();
        images.Dispose();
    }
}
