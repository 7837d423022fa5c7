using TorchSharp;
using System.Diagnostics;
using Dsd.Features;
using Dsd.Networks;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>What the loop is doing, for a progress display.</summary>
/// <param name="Phase">"bank", "validation" (building crops) or "train".</param>
/// <param name="Done">Steps (or crops) done.</param>
/// <param name="Total">Steps (or crops) in all.</param>
/// <param name="Loss">The last step's MSE while training.</param>
public readonly record struct TrainingProgress(string Phase, long Done, long Total, double? Loss = null);

/// <summary>Where a run ended: the step reached, its wall time and the last log row's validation RMSEs (null without --val).</summary>
public sealed record TrainingSummary(long Step, double Seconds, string Folder, double[]? ValidationRmse, double[]? ValidationEmaRmse,
    double[]? ValidationConstantRmse, bool Interrupted = false);

/// <summary>
/// Trains psi (docs/method.md §3) on the shared training core (<see cref="TrainingLoop"/>, <see cref="Adam"/>,
/// <see cref="LearningRateSchedule"/>, <see cref="WeightAverage"/>): MSE between psi(x↓α) and ‖DSD_α^l(x)‖₁ over random
/// crops x, a CSV log (<see cref="RegressorLog"/>) and single-file atomic checkpoints (<see cref="RegressorCheckpoint"/>).
/// On the CPU with a fixed thread count, N steps in one go and N/2 + resume + N/2 give identical weights; a cancelled
/// run saves after the step in progress and returns with <see cref="TrainingSummary.Interrupted"/> set.
/// </summary>
public static class RegressorTrainer
{
    /// <summary>A new run in <paramref name="folder"/>; refuses a folder that already holds a checkpoint.</summary>
    public static TrainingSummary Start(RegressorTrainingConfig config, string folder, Vgg19Features vgg, Device device,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default, List<string>? unreadable = null)
    {
        config.Validate();
        // Absolute folders in the checkpoint: a resume may run from any working directory.
        config = config with { Data = config.Data.Select(Path.GetFullPath).ToList(), Validation = config.Validation.Select(Path.GetFullPath).ToList() };
        if (File.Exists(Path.Combine(folder, RegressorCheckpoint.FileName)))
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{folder} already holds a checkpoint: pass --resume to continue it, or choose another --out");
        Directory.CreateDirectory(folder);
        return Train(config, new RegressorState(), folder, resuming: false, vgg, device, progress, cancel, unreadable);
    }

    /// <summary>
    /// Continues the run in <paramref name="folder"/> with its stored configuration; <paramref name="steps"/> (when given)
    /// replaces the total step budget, e.g. to extend a finished run.
    /// </summary>
    public static TrainingSummary Resume(string folder, Vgg19Features vgg, Device device, long? steps = null,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default, List<string>? unreadable = null)
    {
        var (config, state) = RegressorCheckpoint.ReadHeader(folder);
        if (steps is { } s) config = config with { Steps = s };
        config.Validate();
        if (steps is { } total && total < state.Step)
            throw new DsdException(DsdErrorKind.Usage, $"--steps {total}: the checkpoint in {folder} is already at step {state.Step}");
        return Train(config, state, folder, resuming: true, vgg, device, progress, cancel, unreadable);
    }

    static TrainingSummary Train(RegressorTrainingConfig config, RegressorState state, string folder, bool resuming, Vgg19Features vgg,
        Device device, Action<TrainingProgress>? progress, CancellationToken cancel, List<string>? unreadable)
    {
        var side = (int)(config.Crop * config.Alpha);
        using var images = TrainingImages.Load(config.Data, side, failed: unreadable);
        using var bank = config.Bank > 0
            ? CachedBank(Path.Combine(folder, "bank.safetensors"), images, vgg, config, config.Bank, config.Seed, SplitMix64.Purpose.BankCrop, "bank", progress, cancel)
            : null;
        using var source = bank is null ? (SampleSource)new OnTheFlySamples(images, vgg, config.Alpha, config.Crop, config.Seed) : new BankSamples(bank, config.Seed);
        using var validationImages = config.Validation.Count > 0 ? TrainingImages.Load(config.Validation, side, failed: unreadable) : null;
        // Validation crops do not depend on the training seed, so runs with different seeds are compared on the same crops.
        using var validation = validationImages is null ? null
            : CachedBank(Path.Combine(folder, "validation.safetensors"), validationImages, vgg, config,
                validationImages.Count * config.ValidationCrops, 0, SplitMix64.Purpose.ValidationCrop, "validation", progress, cancel);
        config = config.Resolve(source.Count);
        // Steps from epochs are known only now: a stored step beyond them would train nothing and report success.
        if (resuming) RegressorCheckpoint.Check(Path.Combine(folder, RegressorCheckpoint.FileName), state, config.Steps);

        // A private generator: the global one is shared with anything else running in the process.
        using var generator = new torch.Generator((ulong)config.Seed);
        using var model = new NoReferenceRegressor(device, generator, config.Target);
        using var average = config.Ema > 0 ? new NoReferenceRegressor(device, target: config.Target) : null;
        if (!resuming && config.Target == RegressorTarget.LogNormal) model.StartAtConstant(source.StartingTargets());
        var parameterHandles = model.parameters().Select(p => p.Handle).ToHashSet();
        var named = Distinct(model);
        using var adam = new Adam(named.Where(n => parameterHandles.Contains(n.Tensor.Handle)).ToList());
        var ema = average is null ? null
            : new WeightAverage(named.Zip(Distinct(average), (m, a) => (m.Name, m.Tensor, a.Tensor)).ToList(), config.Ema);
        if (resuming) RegressorCheckpoint.LoadTensors(folder, model, average, adam);
        else ema?.Reset();
        adam.Steps = state.Step;

        CheckpointCommit.RemoveStaleTemps(folder);
        using var log = RegressorLog.Open(folder, resuming ? state.Step : 0);
        var total = config.Steps!.Value;
        var schedule = new LearningRateSchedule("step", config.Lr, config.LrStep!.Value, config.LrGamma);
        var clock = Stopwatch.StartNew();
        var secondsBefore = state.Seconds;
        double[]? valRmse = null, valEma = null, valConst = null;
        double lr = 0;
        void Save(long _)
        {
            state.Seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            RegressorCheckpoint.Save(folder, config, state, model, average, adam);
        }
        void Update(long step)
        {
            lr = schedule.At(step);
            var loss = TrainStep(model, adam, source, config, state, lr, device);
            ema?.Update(adam.Steps);
            state.Step = step + 1;
            progress?.Invoke(new TrainingProgress("train", state.Step, total, loss));
        }
        void After(long step)
        {
            var onGrid = step % config.EvalEvery!.Value == 0;
            if (onGrid || step == total)
            {
                var mean = state.TargetMean();
                if (validation is not null)
                {
                    valRmse = Rmse(model, validation, device);
                    valEma = average is null ? null : Rmse(average, validation, device);
                    valConst = ConstantRmse(mean, validation.Targets);
                }
                var n = Math.Max(1, state.IntervalSamples);
                log.Append(step, (double)step * config.BatchSize / source.Count, lr, secondsBefore + clock.Elapsed.TotalSeconds,
                    state.IntervalLoss / Math.Max(1, state.IntervalSteps),
                    state.IntervalSquaredError.Select(e => Math.Sqrt(e / n)).ToArray(),
                    state.IntervalConstantSquaredError.Select(e => Math.Sqrt(e / n)).ToArray(), valRmse, valEma, valConst);
                // An off-grid final row leaves the interval open, so that a resumed run logs the same rows as an uninterrupted one.
                if (onGrid) state.ResetInterval();
            }
            if (step % config.SaveEvery == 0 || step == total) Save(step);
        }
        var end = TrainingLoop.Run(state.Step, total, Update, After, Save, cancel);
        return new TrainingSummary(end.Step, secondsBefore + clock.Elapsed.TotalSeconds, folder, valRmse, valEma, valConst, end.Interrupted);
    }

    static double TrainStep(NoReferenceRegressor model, Adam adam, SampleSource source, RegressorTrainingConfig config,
        RegressorState state, double lr, Device device)
    {
        using var scope = NewDisposeScope();
        var (inputs, targets) = source.Batch(state.Step * config.BatchSize, config.BatchSize, device);
        model.train();
        model.zero_grad();
        var output = model.call(inputs);
        var loss = Loss(output, targets, config.Target);
        loss.backward();
        var lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue))
            throw new DsdException(DsdErrorKind.Numerical, $"step {state.Step + 1}: the loss is not finite (lower --lr?)");
        adam.Step(lr);

        var predicted = config.Target == RegressorTarget.Norm ? output : output.narrow(1, 0, NoReferenceRegressor.Layers.Count).exp();
        var p = predicted.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        var t = targets.cpu().to_type(ScalarType.Float64).data<double>().ToArray();
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
        state.IntervalLoss += lossValue;
        state.IntervalSteps++;
        return lossValue;
    }

    /// <summary>
    /// MSE of the norms for a norm psi; for a log-normal psi the Gaussian negative log-likelihood of the log norms,
    /// mean over layers of ½((log t − μ)/σ)² + log σ (constant dropped), which learns μ and how far to trust it.
    /// </summary>
    internal static Tensor Loss(Tensor output, Tensor targets, RegressorTarget target)
    {
        if (target == RegressorTarget.Norm) return nn.functional.mse_loss(output, targets);
        using var scope = NewDisposeScope();
        var n = NoReferenceRegressor.Layers.Count;
        var logSpread = output.narrow(1, n, n).clamp(-7, 3);
        var z = (targets.clamp_min(1e-12).log() - output.narrow(1, 0, n)) * (-logSpread).exp();
        return (z.square() * 0.5 + logSpread).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Per-layer RMSE of psi's predicted norms (eval mode) on a bank of crops.</summary>
    internal static double[] Rmse(NoReferenceRegressor psi, CropBank crops, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        psi.eval();
        var n = crops.Inputs.shape[0];
        var squared = zeros(NoReferenceRegressor.Layers.Count, dtype: ScalarType.Float64);
        for (long start = 0; start < n; start += 64)
        {
            var len = Math.Min(64, n - start);
            var predicted = psi.Predict(crops.Inputs.narrow(0, start, len).to(device)).Norms.cpu();
            squared += (predicted - crops.Targets.narrow(0, start, len)).to_type(ScalarType.Float64).square().sum([0]); // sum(0) would bind to sum(ScalarType): literal 0 converts to an enum
        }
        return (squared / n).sqrt().data<double>().ToArray();
    }

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
        var key = System.Text.Json.JsonSerializer.Serialize(new
        {
            paths = images.Paths, alpha = config.Alpha, crop = config.Crop, count, seed, purpose = purpose.ToString(),
        });
        if (CropBank.TryLoad(path, key) is { } cached) return cached;
        var bank = CropBank.Build(images, vgg, config.Alpha, config.Crop, count, seed, purpose,
            done => progress?.Invoke(new TrainingProgress(phase, done, count)), cancel);
        bank.Save(path, key);
        return bank;
    }
}
