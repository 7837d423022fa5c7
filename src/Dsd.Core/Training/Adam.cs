using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// Adam (Kingma &amp; Ba) exactly as torch.optim.Adam computes it without weight decay or AMSGrad:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
/// Written out (rather than TorchSharp's optimizer) so that its moments can be saved and restored by name for an exact resume.
/// </summary>
public sealed class Adam : IDisposable
{
    readonly IReadOnlyList<(string Name, Tensor Parameter)> parameters;
    readonly Dictionary<string, Tensor> first = new(StringComparer.Ordinal);
    readonly Dictionary<string, Tensor> second = new(StringComparer.Ordinal);

    /// <param name="parameters">Named parameters, each tensor once (a shared module's parameters under one name).</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Added to the denominator.</param>
    public Adam(IReadOnlyList<(string Name, Tensor Parameter)> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        this.parameters = parameters;
        (Beta1, Beta2, Eps) = (beta1, beta2, eps);
        foreach (var (name, p) in parameters)
        {
            first[name] = zeros_like(p).DetachFromDisposeScope();
            second[name] = zeros_like(p).DetachFromDisposeScope();
        }
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Updates taken so far (t).</summary>
    public long Steps { get; set; }

    /// <summary>m per parameter name (restore a checkpoint by copying into these tensors).</summary>
    public IReadOnlyDictionary<string, Tensor> FirstMoments => first;

    /// <summary>v per parameter name.</summary>
    public IReadOnlyDictionary<string, Tensor> SecondMoments => second;

    /// <summary>One update with learning rate <paramref name="lr"/> from the parameters' current gradients.</summary>
    public void Step(double lr)
    {
        Steps++;
        var bc1 = 1 - Math.Pow(Beta1, Steps);
        var bc2 = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Every number becomes a Scalar held until the loop ends. TorchSharp's implicit double → Scalar temporaries are
        // unreachable once their handle is read, so a garbage collection during the native call could free one and the
        // update would read a stale value: rare, timing-dependent divergence of "exact" resumes (see ScalarArithmetic).
        using var beta1 = Beta1.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var bias2 = bc2.ToScalar();
        using var eps = Eps.ToScalar();
        using var stepSize = (-lr / bc1).ToScalar();
        foreach (var (name, p) in parameters)
        {
            if (p.grad is not { } g) continue;
            var m = first[name].mul_(beta1).add_(g, alpha: oneMinusBeta1);
            var v = second[name].mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            var denom = v.sqrt().div_(bias2).add_(eps);
            p.addcdiv_(m, denom, value: stepSize);
        }
    }

    /// <summary>Scales gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before.</summary>
    public double ClipGradients(double maxNorm)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.Parameter.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        var norm = stack(grads.Select(g => g.norm()).ToArray()).norm().item<float>();
        if (norm > maxNorm)
        {
            using var factor = (maxNorm / (norm + 1e-6)).ToScalar();
            foreach (var g in grads) g.mul_(factor);
        }
        return norm;
    }

    /// <summary>The moments as <c>{prefix}m/{name}</c> and <c>{prefix}v/{name}</c>.</summary>
    public Dictionary<string, Tensor> State(string prefix) =>
        first.Select(kv => ($"{prefix}m/{kv.Key}", kv.Value)).Concat(second.Select(kv => ($"{prefix}v/{kv.Key}", kv.Value)))
            .ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>Restores moments written by <see cref="State"/>.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, string prefix, string source)
    {
        using var noGrad = no_grad();
        foreach (var name in first.Keys)
        {
            if (!state.TryGetValue($"{prefix}m/{name}", out var sm) || !state.TryGetValue($"{prefix}v/{name}", out var sv))
                throw new DsdException(DsdErrorKind.Weights, $"{source}: no Adam moments for {name}");
            first[name].copy_(sm);
            second[name].copy_(sv);
        }
    }

    public void Dispose()
    {
        foreach (var t in first.Values.Concat(second.Values)) t.Dispose();
        first.Clear();
        second.Clear();
    }
}
