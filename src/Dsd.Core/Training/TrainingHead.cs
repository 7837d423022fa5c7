using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// What one kind of training plugs into <see cref="TrainingRun"/>: the data, the model, the loss and the evaluation.
/// The run owns everything they share — the loop, Adam, the learning-rate schedule, the weight average, the NaN check,
/// progress events, the CSV log, checkpoints with one commit point, and exact resume — so a head holds no loop of its own.
/// </summary>
public abstract class TrainingHead : IDisposable
{
    /// <summary>The "format" of this head's checkpoint manifests; a manifest of another format is not resumed.</summary>
    public abstract string Format { get; }

    /// <summary>The run's output folder.</summary>
    public abstract string Folder { get; }

    /// <summary>Steps in all.</summary>
    public abstract long Steps { get; }

    /// <summary>The network being trained.</summary>
    public abstract nn.Module Model { get; }

    /// <summary>The parameters Adam updates, each once, under stable names (checkpoints key the moments by them).</summary>
    public abstract IReadOnlyList<(string Name, Tensor Parameter)> Parameters { get; }

    /// <summary>Adam's β1, β2 and ε.</summary>
    public virtual (double Beta1, double Beta2, double Eps) AdamSettings => (0.9, 0.999, 1e-8);

    public abstract LearningRateSchedule Schedule { get; }

    /// <summary>Largest global gradient norm; 0 for no clipping.</summary>
    public virtual double ClipGrad => 0;

    /// <summary>The weight average's network (a copy of <see cref="Model"/>'s architecture), or null for none.</summary>
    public virtual nn.Module? AverageModel => null;

    /// <summary>The average's decay and whether it warms up (decay min(d, (1 + t)/(10 + t))).</summary>
    public virtual (double Decay, bool WarmUp) AverageSettings => (0, true);

    /// <summary>Parameters and buffers of <see cref="Model"/> paired with <see cref="AverageModel"/>'s, each tensor once.</summary>
    public virtual IReadOnlyList<(string Name, Tensor Source, Tensor Average)> AveragePairs => [];

    /// <summary>Log every this many steps (and at the last).</summary>
    public abstract long LogEvery { get; }

    /// <summary>Evaluate (after the log row) every this many steps and at the last; 0 for never.</summary>
    public abstract long EvalEvery { get; }

    /// <summary>Save "last" every this many steps besides the last step; 0 for only at evaluations and the end.</summary>
    public abstract long SaveEvery { get; }

    /// <summary>The CSV log's file name in <see cref="Folder"/> and its columns (the first is the step).</summary>
    public abstract (string File, IReadOnlyList<string> Columns) Log { get; }

    /// <summary>Called once the step to start from is known (0, or where a resume continues): open loaders, logs.</summary>
    public virtual void Begin(long start) { }

    /// <summary>Update <paramref name="step"/>'s loss (0-based), with its graph; the run checks it, back-propagates and steps.</summary>
    /// <remarks>Called inside the step's dispose scope: tensors the head keeps for <see cref="Stepped"/> live until the step ends.</remarks>
    public abstract Tensor Loss(long step);

    /// <summary>Bookkeeping after update <paramref name="step"/> with its loss value (running sums for the log).</summary>
    public virtual void Stepped(long step, double loss) { }

    /// <summary>Evaluates after <paramref name="step"/> steps; returns whether "last" must be saved now as well.</summary>
    public virtual bool Evaluate(long step, TrainingRun run) => false;

    /// <summary>The log row after <paramref name="step"/> steps, every cell (the step first); <paramref name="run"/> has the last loss, rate and timing.</summary>
    public abstract IEnumerable<string> LogRow(long step, TrainingRun run);

    /// <summary>Metadata every weights and state file of a checkpoint at <paramref name="step"/> carries.</summary>
    public abstract Dictionary<string, string> Metadata(long step);

    /// <summary>Writes the weights files of checkpoint <paramref name="name"/> (for users: inference, PyTorch).</summary>
    public abstract void WriteWeights(string name, long step, Dictionary<string, string> metadata);

    /// <summary>The manifest's fields besides format, step and state: configuration, counters, scores.</summary>
    public abstract JsonObject Describe(string name, long step);

    /// <summary>Takes back what <see cref="Describe"/> recorded, on resume.</summary>
    public virtual void Restore(JsonObject manifest) { }

    public abstract void Dispose();
}
