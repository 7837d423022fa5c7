using TorchSharp;
using Dsd.Features;
using Dsd.Networks;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// Trains psi (docs/method.md §3): a <see cref="TrainingRun"/> with the <see cref="RegressorHead"/>. On the CPU with a
/// fixed thread count, N steps in one go and N/2 + resume + N/2 give identical weights; a cancelled run saves after the
/// step in progress and returns with <see cref="TrainingResult.Interrupted"/> set.
/// </summary>
/// <param name="config">The settings of a new run, or those read from the checkpoint being resumed (<see cref="RegressorCheckpoint.ReadManifest"/>).</param>
/// <param name="folder">The run folder: checkpoints, weights, snapshots, log.csv and the cached crop banks.</param>
/// <param name="vgg">VGG19 up to the four layers psi predicts (the targets).</param>
/// <param name="device">Where psi trains.</param>
public sealed class RegressorTrainer(RegressorTrainingConfig config, string folder, Vgg19Features vgg, Device device)
{
    /// <summary>Typed progress: the banks being built, then every step.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Lines for the user (resumed, interrupted).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>When set, unreadable images are left out and their reasons added here; when null, the first stops the run.</summary>
    public List<string>? Unreadable { get; init; }

    /// <summary>The settings with steps, decay and log interval resolved (after <see cref="Run"/>).</summary>
    public RegressorTrainingConfig? Resolved { get; private set; }

    /// <summary>The last log row's validation RMSEs of psi, its average and the constant predictor (null without --val).</summary>
    public double[]? ValidationRmse { get; private set; }

    public double[]? ValidationEmaRmse { get; private set; }

    public double[]? ValidationConstantRmse { get; private set; }

    /// <summary>Trains a new run in the folder (refusing one that already holds a checkpoint), or with <paramref name="resume"/> continues the folder's.</summary>
    public TrainingResult Run(bool resume = false, CancellationToken cancel = default)
    {
        config.Validate();
        var manifest = RegressorCheckpoint.ManifestPath(folder);
        if (resume)
        {
            var (_, counters) = RegressorCheckpoint.ReadManifest(folder);
            if (config.Steps is { } total && total < counters.Step)
                throw new DsdException(DsdErrorKind.Usage, $"--steps {total}: the checkpoint in {folder} is already at step {counters.Step}");
        }
        else
        {
            RegressorCheckpoint.RequireNone(folder);
            // Absolute folders in the checkpoint: a resume may run from any working directory.
            config = config with { Train = config.Train.Select(Path.GetFullPath).ToList(), Val = config.Val.Select(Path.GetFullPath).ToList() };
        }
        Directory.CreateDirectory(folder);
        using var head = new RegressorHead(config, folder, resume, vgg, device, Progress, cancel, Unreadable);
        Resolved = head.Config;
        using var run = new TrainingRun(head) { Progress = Progress, Message = Log };
        if (resume) run.Resume(manifest);
        var result = run.Run(cancel);
        (ValidationRmse, ValidationEmaRmse, ValidationConstantRmse) = (head.ValidationRmse, head.ValidationEmaRmse, head.ValidationConstantRmse);
        return result;
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
}
