using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// The deblurring network of docs/method.md §4: xSRResNet without the upsampling stages. 5×5 conv 3→64 + LeakyReLU(0.1);
/// <c>blocks</c> × <see cref="XResBlock"/>; 3×3 conv + LeakyReLU(0.1); 5×5 conv 64→3; plus the input (global
/// residual — an assumption, the paper does not say). Parameter names follow xSRResNet's.
/// </summary>
public sealed class DeblurNet : nn.Module<Tensor, Tensor>
{
    readonly Conv2d image_to_features;
    readonly Sequential features;
    readonly Conv2d hrconv;
    readonly Conv2d features_to_image;
    readonly LeakyReLU lrelu;

    /// <summary>
    /// A freshly initialised network (Kaiming-normal fan_in convs, zero biases). Input: blurred RGB [B,3,H,W] in
    /// [0,1]; output the sharp estimate, same shape (not clamped).
    /// </summary>
    /// <param name="blocks">Residual blocks: 10 (815,875 parameters) or 5 for the light variant (431,235).</param>
    /// <param name="device">Device for the weights (CPU when null).</param>
    public DeblurNet(int blocks = 10, Device? device = null) : base(nameof(DeblurNet))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        const int width = 64;
        image_to_features = nn.Conv2d(3, width, 5, padding: 2);
        features = nn.Sequential(Enumerable.Range(0, blocks).Select(_ => (nn.Module<Tensor, Tensor>)new XResBlock(width)).ToArray());
        hrconv = nn.Conv2d(width, width, 3, padding: 1);
        features_to_image = nn.Conv2d(width, 3, 5, padding: 2);
        lrelu = nn.LeakyReLU(0.1);
        RegisterComponents();
        NetworkWeights.KaimingInitConvs(this);
        if (device is not null) this.to(device);
    }

    /// <summary>The network with weights from a checkpoint (safetensors or PyTorch), in eval mode.</summary>
    public static DeblurNet FromFile(string path, int blocks = 10, Device? device = null) =>
        NetworkWeights.ForInference(new DeblurNet(blocks), path, device);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var f = features.call(lrelu.call(image_to_features.call(x)));
        var y = features_to_image.call(lrelu.call(hrconv.call(f))) + x;
        return y.MoveToOuterDisposeScope();
    }
}
