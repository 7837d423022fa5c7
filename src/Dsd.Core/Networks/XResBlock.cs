using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// xResBlock (docs/method.md §4): x + conv2(xUnit(conv1(x))), 3×3 convs without bias. Names: <c>conv1</c>, <c>conv2</c>,
/// <c>xunit.features.0</c>.
/// </summary>
public sealed class XResBlock : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly XUnit xunit;
    readonly Conv2d conv2;

    public XResBlock(int channels = 64) : base(nameof(XResBlock))
    {
        conv1 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        xunit = new XUnit(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x + conv2.call(xunit.call(conv1.call(x)))).MoveToOuterDisposeScope();
    }
}
