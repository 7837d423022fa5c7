using System.Diagnostics;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// One training run of any head (<see cref="TrainingHead"/>: a restoration network, psi): the loop, Adam, the
/// learning-rate schedule, the weight average, the NaN check, typed progress, the CSV log, checkpoints ("last" with the
/// resumable state, written with one commit point by <see cref="TrainingCheckpoint"/>) and exact resume. Every random
/// number of a step comes from streams the head keys by (seed, step), so N steps in one go and N/2 + resume + N/2 give
/// identical weights. A cancellation (Ctrl+C, SIGTERM) ends the step in progress, saves "last" and returns.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    readonly TrainingHead head;
    readonly Adam adam;
    readonly WeightAverage? average;
    // Times the steps (batch wait included), not evaluation or checkpoints.
    readonly Stopwatch stepClock = new();
    readonly Stopwatch wallClock = new();
    long stepsTimed;
    double secondsBefore;
    CsvLog? log;

    /// <summary>Called after every step, and by heads for their preparation phases.</summary>
    public Action<TrainingProgress>? Progress { get; init; }

    /// <summary>Lines for the user (resumed, validation scores, interrupted); the library does not write to the console.</summary>
    public Action<string>? Message { get; init; }

    public TrainingRun(TrainingHead head)
    {
        this.head = head;
        var (beta1, beta2, eps) = head.AdamSettings;
        adam = new Adam(head.Parameters, beta1, beta2, eps);
        if (head.AverageModel is not null)
        {
            var (decay, warmUp) = head.AverageSettings;
            average = new WeightAverage(head.AveragePairs, decay, warmUp);
            average.Reset();
        }
        Directory.CreateDirectory(head.Folder);
        CheckpointCommit.RemoveStaleTemps(head.Folder);
    }

    /// <summary>Steps completed before this session (0, or where the resumed checkpoint stopped).</summary>
    public long Start { get; private set; }

    /// <summary>The last step's loss and learning rate.</summary>
    public double Loss { get; private set; } = double.NaN;

    public double LearningRate { get; private set; } = double.NaN;

    public double SecondsPerStep => stepsTimed > 0 ? stepClock.Elapsed.TotalSeconds / stepsTimed : double.NaN;

    /// <summary>Wall-clock seconds of training over every session of this run.</summary>
    public double Seconds => secondsBefore + wallClock.Elapsed.TotalSeconds;

    /// <summary>The manifest of the "last" checkpoint.</summary>
    public string LastCheckpoint => TrainingCheckpoint.ManifestPath(head.Folder, "last");

    /// <summary>Continues from the checkpoint whose manifest is <paramref name="manifest"/>: weights, average, Adam, step, the head's counters.</summary>
    public void Resume(string manifest)
    {
        var (step, seconds, json) = TrainingCheckpoint.Load(manifest, head, adam);
        (Start, secondsBefore) = (step, seconds);
        head.Restore(json);
        Message?.Invoke($"resumed from {manifest} at step {Start}");
    }

    /// <summary>Trains from <see cref="Start"/> to the head's last step, or until <paramref name="cancel"/>.</summary>
    public TrainingResult Run(CancellationToken cancel = default)
    {
        head.Begin(Start);
        var (file, columns) = head.Log;
        log = new CsvLog(Path.Combine(head.Folder, file), columns, Start);
        wallClock.Start();
        var step = Start;
        while (step < head.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                Save("last", step);
                Message?.Invoke($"interrupted at step {step}; saved {LastCheckpoint}");
                return Result(step, interrupted: true);
            }
            Update(step);
            step++;
            After(step);
        }
        return Result(step, interrupted: false);
    }

    /// <summary>Writes checkpoint <paramref name="name"/> at <paramref name="step"/>; with <paramref name="resumable"/>, the state a resume needs.</summary>
    public void Save(string name, long step, bool resumable = true) =>
        TrainingCheckpoint.Save(head, name, step, resumable ? adam : null, Seconds);

    /// <summary>Reports a head's preparation progress (building crop banks) through <see cref="Progress"/>.</summary>
    public void Report(TrainingProgress progress) => Progress?.Invoke(progress);

    TrainingResult Result(long step, bool interrupted) => new(step, interrupted, Seconds, SecondsPerStep, LastCheckpoint);

    /// <summary>One optimisation step: update number <paramref name="step"/> (0-based).</summary>
    void Update(long step)
    {
        stepClock.Start();
        LearningRate = head.Schedule.At(step);
        using (var scope = NewDisposeScope())
        {
            head.Model.zero_grad();
            var loss = head.Loss(step);
            Loss = loss.item<float>();
            if (!double.IsFinite(Loss)) throw new DsdException(DsdErrorKind.Numerical, $"step {step + 1}: the loss is {Loss} (lower the learning rate?)");
            loss.backward();
            if (head.ClipGrad > 0) adam.ClipGradients(head.ClipGrad);
            adam.Steps = step; // t of this update is step + 1, also right after a resume
            adam.Step(LearningRate);
            average?.Update(step + 1);
            head.Stepped(step, Loss);
        }
        stepClock.Stop();
        stepsTimed++;
    }

    /// <summary>After <paramref name="step"/> steps: the log row, the evaluation, and "last" when due.</summary>
    void After(long step)
    {
        var last = step == head.Steps;
        var logged = step % head.LogEvery == 0 || last;
        if (logged) log!.Row(head.LogRow(step, this));
        Progress?.Invoke(new TrainingProgress("train", step, head.Steps, Loss, LearningRate, SecondsPerStep, logged));
        var evaluated = head.EvalEvery > 0 && (step % head.EvalEvery == 0 || last) && head.Evaluate(step, this);
        if (evaluated || last || (head.SaveEvery > 0 && step % head.SaveEvery == 0)) Save("last", step);
    }

    public void Dispose()
    {
        log?.Dispose();
        adam.Dispose();
    }
}
