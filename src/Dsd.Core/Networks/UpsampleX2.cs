using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>Sub-pixel ×2 upsampling: 3×3 conv C→4C, PixelShuffle(2), LeakyReLU(0.1). Parameter names: <c>conv</c>.</summary>
internal sealed class UpsampleX2 : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly PixelShuffle shuffle;
    readonly LeakyReLU lrelu;

    public UpsampleX2(int channels) : base(nameof(UpsampleX2))
    {
        conv = nn.Conv2d(channels, channels * 4, 3, padding: 1);
        shuffle = nn.PixelShuffle(2);
        lrelu = nn.LeakyReLU(0.1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var c = conv.call(x);
        var s = shuffle.call(c);
        c.Dispose();
        // Without autograd the activation may overwrite the shuffled tensor (it is ours alone).
        return (is_grad_enabled() ? lrelu.call(s) : s.leaky_relu_(0.1)).MoveToOuterDisposeScope();
    }
}
