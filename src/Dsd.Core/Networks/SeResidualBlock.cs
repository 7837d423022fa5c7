using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// Basic residual block of psi (docs/method.md §3): relu(bn2(conv2(relu(bn1(conv1(x))))) + se(shortcut(x))), 3×3 convs without
/// bias, a 1×1 conv + BN projection (<c>downsample</c>) where stride or width changes. As in the reference, the SE
/// gate acts on the shortcut, not on the residual branch, and it is one module shared by all blocks of a stage.
/// </summary>
internal sealed class SeResidualBlock : nn.Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly Conv2d conv2;
    readonly BatchNorm2d bn2;
    readonly Sequential? downsample;
    readonly SqueezeExcitation residual_block;
    readonly ReLU relu;

    public SeResidualBlock(int inChannels, int channels, int stride, SqueezeExcitation sharedGate) : base(nameof(SeResidualBlock))
    {
        conv1 = nn.Conv2d(inChannels, channels, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(channels);
        if (stride != 1 || inChannels != channels)
            downsample = nn.Sequential(nn.Conv2d(inChannels, channels, 1, stride: stride, bias: false), nn.BatchNorm2d(channels));
        residual_block = sharedGate;
        relu = nn.ReLU();
        RegisterComponents();
    }

    /// <summary>The last BatchNorm's scale; the reference zeroes it at init so each block starts as (gated) identity.</summary>
    public Parameter LastNormWeight => bn2.weight!;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var branch = bn2.call(conv2.call(relu.call(bn1.call(conv1.call(x)))));
        var shortcut = residual_block.call(downsample is null ? x : downsample.call(x));
        return relu.call(branch + shortcut).MoveToOuterDisposeScope();
    }
}
