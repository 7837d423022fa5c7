namespace Dsd.Training;

/// <summary>Where a loop ended: the steps completed and whether a cancellation stopped it early.</summary>
public readonly record struct LoopEnd(long Step, bool Interrupted);

/// <summary>
/// The loop both trainers share (restoration networks and psi): one update per step until the budget is spent, the
/// per-step bookkeeping after each, and on cancellation (Ctrl+C, SIGTERM) a checkpoint after the step in progress.
/// What an update is, what is logged and when a checkpoint is written is the caller's; the order is fixed here, so an
/// interrupted and resumed run takes exactly the steps of an uninterrupted one.
/// </summary>
public static class TrainingLoop
{
    /// <param name="step">Steps already completed (0, or where a resume starts).</param>
    /// <param name="total">Steps in all.</param>
    /// <param name="update">Takes update number <c>s</c> (0-based).</param>
    /// <param name="after">Bookkeeping once <c>s</c> steps are complete: log, validate, checkpoint.</param>
    /// <param name="save">Writes a checkpoint; called when cancelled.</param>
    /// <param name="cancel">Stops the loop between steps.</param>
    public static LoopEnd Run(long step, long total, Action<long> update, Action<long> after, Action<long> save, CancellationToken cancel)
    {
        while (step < total)
        {
            if (cancel.IsCancellationRequested)
            {
                save(step);
                return new LoopEnd(step, true);
            }
            update(step);
            step++;
            after(step);
        }
        return new LoopEnd(step, false);
    }
}
