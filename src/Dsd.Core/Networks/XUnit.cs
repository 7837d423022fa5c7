using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// Slim xUnit activation (docs/method.md §4): a = sigmoid(depthwise 7×7 conv(x) + bias), output x·a. A spatial, learnable
/// gate in place of ReLU. Parameter names as the reference: <c>features.0.weight|bias</c>.
/// </summary>
public sealed class XUnit : nn.Module<Tensor, Tensor>
{
    readonly Sequential features;

    /// <param name="channels">Number of channels (the conv is depthwise: one 7×7 filter per channel).</param>
    /// <param name="kernelSize">Side of the depthwise kernel (7 in the published generators).</param>
    public XUnit(int channels = 64, int kernelSize = 7) : base(nameof(XUnit))
    {
        // The reference's optional BatchNorm sits between conv and sigmoid; it is off in the generators, and
        // leaving it out keeps index 0 the only parametrised entry, as in the reference state dict.
        features = nn.Sequential(
            nn.Conv2d(channels, channels, kernelSize, padding: kernelSize / 2, groups: channels),
            nn.Sigmoid());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * features.call(x)).MoveToOuterDisposeScope();
    }
}
