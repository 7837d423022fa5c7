using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// An exponential moving average of a network's weights and floating-point buffers (BatchNorm statistics), kept in a
/// second network of the same architecture; integer buffers are copied. With <paramref name="warmUp"/> the decay is
/// min(decay, (1+t)/(10+t)) after t updates (TensorFlow's ExponentialMovingAverage with num_updates), so a short run's
/// average is not dominated by the random initial weights (psi); without, the plain decay (the SR recipe).
/// </summary>
public sealed class WeightAverage(IReadOnlyList<(string Name, Tensor Source, Tensor Average)> pairs, double decay, bool warmUp = true)
{
    public double Decay { get; } = decay;

    /// <summary>Copies the source weights into the average (before the first update).</summary>
    public void Reset()
    {
        using var noGrad = no_grad();
        foreach (var (_, s, a) in pairs) a.copy_(s);
    }

    /// <summary>Blends in the current weights after update number <paramref name="updates"/> (1-based).</summary>
    public void Update(long updates)
    {
        var d = warmUp ? Math.Min(Decay, (1.0 + updates) / (10.0 + updates)) : Decay;
        using var noGrad = no_grad();
        // Scalars held for the whole loop: an implicit double → Scalar temporary may be finalised during the native call.
        using var keep = d.ToScalar();
        using var blend = (1 - d).ToScalar();
        foreach (var (_, s, a) in pairs)
        {
            if (a.is_floating_point()) a.mul_(keep).add_(s, alpha: blend);
            else a.copy_(s);
        }
    }
}
