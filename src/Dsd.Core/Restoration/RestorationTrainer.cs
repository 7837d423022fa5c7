using Dsd.Networks;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Restoration;

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

    /// <summary>
    /// When set, training and validation images that cannot be read are left out and their one-line reasons added here;
    /// when null, the first such image stops the run before it starts.
    /// </summary>
    public List<string>? Unreadable { get; init; }

    /// <summary>The run's settings, paths made absolute (checkpoints store them, so a resume works from any directory).</summary>
    public RestorationTrainingConfig Config { get; } = config.WithAbsolutePaths();

    /// <param name="resume">A checkpoint ("last") to continue from, or null to start.</param>
    /// <param name="cancel">Stops after the current step, saving "last" first.</param>
    public TrainingResult Run(string? resume = null, CancellationToken cancel = default)
    {
        Config.Validate();
        using var run = new RestorationRun(Config, vggWeights, Log, Unreadable);
        if (resume is not null) run.Resume(resume);
        var end = TrainingLoop.Run(run.Start, Config.Steps, run.Update, run.After, run.SaveLast, cancel);
        if (end.Interrupted) Log?.Invoke($"interrupted at step {end.Step}; saved {run.LastCheckpoint}");
        return new(end.Step, end.Interrupted, run.Scores, run.SecondsPerStep, run.LastCheckpoint);
    }

    /// <summary>The learning rate of update <paramref name="step"/> (0-based).</summary>
    public double LearningRate(long step) => Config.LearningRates().At(step);
}
