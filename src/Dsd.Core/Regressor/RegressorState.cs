using Dsd.Training;
namespace Dsd.Regressor;

/// <summary>
/// The psi head's counters and running sums, saved in each checkpoint's manifest. With the seed (in the config) and <see cref="Step"/>
/// this is the whole random state: every random number of step s comes from streams keyed by (seed, s).
/// </summary>
public sealed class RegressorState
{
    /// <summary>Optimiser steps completed (= Adam's t = weight-average updates).</summary>
    public long Step { get; set; }

    /// <summary>Sum and count of every training target so far: their mean is the constant predictor.</summary>
    public double[] TargetSum { get; set; } = new double[4];

    public long TargetCount { get; set; }

    /// <summary>Since the last log row: summed loss, squared errors of psi and of the constant predictor, samples.</summary>
    public double IntervalLoss { get; set; }

    public long IntervalSteps { get; set; }

    public double[] IntervalSquaredError { get; set; } = new double[4];

    public double[] IntervalConstantSquaredError { get; set; } = new double[4];

    public long IntervalSamples { get; set; }

    public double[] TargetMean() => TargetSum.Select(s => TargetCount == 0 ? 0 : s / TargetCount).ToArray();

    public void ResetInterval()
    {
        IntervalLoss = 0;
        IntervalSteps = 0;
        IntervalSamples = 0;
        Array.Clear(IntervalSquaredError);
        Array.Clear(IntervalConstantSquaredError);
    }
}
