using Dsd.Training;
using Dsd.Weights;

namespace Dsd.Restoration;

/// <summary>
/// Trains a restoration generator (docs/method.md §5): a <see cref="TrainingRun"/> with the <see cref="RestorationHead"/>.
/// Checkpoints "last" and "best", CSV logs <c>train.csv</c> and <c>val.csv</c>; everything random is seeded per step,
/// so a run resumed from a checkpoint continues exactly.
/// </summary>
public sealed class RestorationTrainer(RestorationTrainingConfig config, VggWeights? vggWeights = null)
{
    /// <summary>Lines for the user: validation scores, resume and interruption (the CLI prints these).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Typed progress after every step (<see cref="TrainingProgress.Logged"/> on the steps that wrote a train.csv row).</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>
    /// When set, training and validation images that cannot be read are left out and their one-line reasons added here;
    /// when null, the first such image stops the run before it starts.
    /// </summary>
    public List<string>? Unreadable { get; init; }

    /// <summary>The run's settings, paths made absolute (checkpoints store them, so a resume works from any directory).</summary>
    public RestorationTrainingConfig Config { get; } = config.WithAbsolutePaths();

    /// <summary>The last validation's scores (null before one, or without validation images).</summary>
    public ValidationScores? Scores { get; private set; }

    /// <param name="resume">A checkpoint ("last": its .json or its weights) to continue from, or null to start.</param>
    /// <param name="cancel">Stops after the current step, saving "last" first.</param>
    public TrainingResult Run(string? resume = null, CancellationToken cancel = default)
    {
        Config.Validate();
        // Every field a resume uses is checked before anything is built.
        if (resume is not null) RestorationCheckpoint.ReadSidecar(resume);
        using var head = new RestorationHead(Config, vggWeights, Log, Unreadable);
        using var run = new TrainingRun(head) { Progress = Progress, Message = Log };
        if (resume is not null) run.Resume(CheckpointFiles.SidecarPathOf(resume));
        var result = run.Run(cancel);
        Scores = head.Scores;
        return result;
    }

    /// <summary>The learning rate of update <paramref name="step"/> (0-based).</summary>
    public double LearningRate(long step) => Config.LearningRates().At(step);
}
