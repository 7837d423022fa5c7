namespace Dsd.Training;

/// <summary>
/// The learning rate of update number <c>step</c> (0-based) as a pure function of the step, so that resuming needs no
/// scheduler state: <c>step</c> decay (×gamma every <see cref="StepSize"/> updates) or <c>cosine</c> annealing to
/// <see cref="Min"/> over <see cref="TotalSteps"/>.
/// </summary>
public sealed record LearningRateSchedule(string Kind, double Initial, long StepSize, double Gamma, double Min = 0, long TotalSteps = 1)
{
    /// <summary>The schedule kinds.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["step", "cosine"];

    public double At(long step) => Kind == "cosine"
        ? Min + 0.5 * (Initial - Min) * (1 + Math.Cos(Math.PI * step / TotalSteps))
        : Initial * Math.Pow(Gamma, step / StepSize);
}
