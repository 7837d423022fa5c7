using Dsd.Training;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Training;

/// <summary>Our Adam is torch.optim.Adam (no weight decay, no AMSGrad), so the reference recipe carries over.</summary>
public class AdamTests
{
    [Fact]
    public void StepsMatchTorchSharpsAdam()
    {
        var generator = new TorchSharp.torch.Generator(3);
        var start = randn(5, 4, generator: generator);
        var mine = start.clone().requires_grad_();
        var theirs = new TorchSharp.Modules.Parameter(start.clone());
        var adam = new Adam([("w", mine)]);
        var reference = optim.Adam([theirs], lr: 1e-2, beta1: 0.9, beta2: 0.999);
        for (var step = 0; step < 10; step++)
        {
            var target = randn(5, 4, generator: generator);
            foreach (var p in new[] { mine, theirs }) p.grad?.zero_();
            (mine - target).square().sum().backward();
            (theirs - target).square().sum().backward();
            adam.Step(1e-2);
            reference.step();
        }
        // float32 with the same formula: differences are rounding-order only.
        Close.Tensor(theirs.detach(), mine.detach(), rtol: 1e-5, atol: 1e-6, what: "weights after 10 steps");
    }
}
