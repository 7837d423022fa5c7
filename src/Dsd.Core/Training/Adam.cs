using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// Adam (Kingma and Ba; PyTorch's update, no weight decay) with its moments in named tensors, so a checkpoint can
/// store them and a resumed run continues exactly.
/// </summary>
public sealed class Adam : IDisposable
{
    readonly IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> parameters;

    public Dictionary<string, Tensor> FirstMoments { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Tensor> SecondMoments { get; } = new(StringComparer.Ordinal);

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    public Adam(IEnumerable<(string, TorchSharp.Modules.Parameter)> namedParameters, double beta1, double beta2, double eps)
    {
        parameters = namedParameters.ToList();
        (Beta1, Beta2, Eps) = (beta1, beta2, eps);
        foreach (var (name, p) in parameters)
        {
            FirstMoments[name] = zeros_like(p).detach();
            SecondMoments[name] = zeros_like(p).detach();
        }
    }

    /// <summary>Update number <paramref name="t"/> (1-based, for the bias corrections) with learning rate <paramref name="lr"/>.</summary>
    public void Step(long t, double lr)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var correction1 = 1 - Math.Pow(Beta1, t);
        var correction2 = 1 - Math.Pow(Beta2, t);
        foreach (var (name, p) in parameters)
        {
            if (p.grad is not { } g) continue;
            var m = FirstMoments[name].mul_(Beta1).add_(g, alpha: 1 - Beta1);
            var v = SecondMoments[name].mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = v.sqrt().div_(Math.Sqrt(correction2)).add_(Eps);
            p.addcdiv_(m, denominator, value: -lr / correction1);
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
            foreach (var g in grads) g.mul_(maxNorm / (norm + 1e-6));
        return norm;
    }

    public void Dispose()
    {
        foreach (var t in FirstMoments.Values.Concat(SecondMoments.Values)) t.Dispose();
    }
}
