using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// Squeeze-and-excitation gate: global average pool → Linear C→C/16 → ReLU → Linear C/16→C → sigmoid, multiplied
/// onto the input per channel. Names as the reference SEBlock: <c>transform.0</c>, <c>transform.2</c>.
/// </summary>
public sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    readonly Sequential transform;

    public SqueezeExcitation(int channels, int ratio = 16) : base(nameof(SqueezeExcitation))
    {
        transform = nn.Sequential(
            nn.Linear(channels, channels / ratio),
            nn.ReLU(),
            nn.Linear(channels / ratio, channels),
            nn.Sigmoid());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var mask = transform.call(x.mean([2, 3]));
        return (x * mask.unsqueeze(-1).unsqueeze(-1)).MoveToOuterDisposeScope();
    }
}
