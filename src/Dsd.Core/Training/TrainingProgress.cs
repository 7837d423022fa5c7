namespace Dsd.Training;

/// <summary>What a training run is doing, for a progress display or an experiment that follows it.</summary>
/// <param name="Phase">"train" for optimisation steps; a head's preparation phases otherwise ("bank", "validation").</param>
/// <param name="Done">Steps (or items of the phase) done.</param>
/// <param name="Total">Steps (or items) in all.</param>
/// <param name="Loss">The last step's loss while training.</param>
/// <param name="LearningRate">The last step's learning rate while training.</param>
/// <param name="SecondsPerStep">Mean time of the steps taken in this session (batch wait included, validation not).</param>
/// <param name="Logged">Whether this step wrote a row of the run's log (every <c>log_every</c> steps and the last).</param>
public readonly record struct TrainingProgress(string Phase, long Done, long Total, double? Loss = null, double? LearningRate = null,
    double? SecondsPerStep = null, bool Logged = false);

/// <summary>Where a run ended.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Interrupted">Whether a cancellation stopped it before its last step (a checkpoint was saved first).</param>
/// <param name="Seconds">Wall-clock seconds of training over every session of the run.</param>
/// <param name="SecondsPerStep">Mean time per step in this session.</param>
/// <param name="Checkpoint">The manifest of the "last" checkpoint, which <c>--resume</c> takes.</param>
public sealed record TrainingResult(long Step, bool Interrupted, double Seconds, double SecondsPerStep, string Checkpoint);
