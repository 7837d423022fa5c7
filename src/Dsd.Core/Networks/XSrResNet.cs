using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// xSRResNet, the ×4 super-resolution generator of docs/method.md §4 (supplementary Table 4): 5×5 conv 3→64 + LeakyReLU(0.1);
/// <c>blocks</c> × <see cref="XResBlock"/>; two sub-pixel ×2 stages; 3×3 conv + LeakyReLU(0.1); 5×5 conv 64→3; plus
/// the bilinearly upsampled input, so the network learns only the residual detail.
/// Parameter names equal the reference (<c>image_to_features</c>, <c>features.K</c>, <c>usample.K.conv</c>,
/// <c>hrconv</c>, <c>features_to_image</c>): its checkpoints load directly.
/// </summary>
public sealed class XSrResNet : nn.Module<Tensor, Tensor>
{
    /// <summary>The upscaling factor.</summary>
    public const int Scale = 4;

    readonly Conv2d image_to_features;
    readonly Sequential features;
    readonly Sequential usample;
    readonly Conv2d hrconv;
    readonly Conv2d features_to_image;
    readonly LeakyReLU lrelu;

    /// <summary>
    /// A freshly initialised generator (Kaiming-normal fan_in convs, zero biases). Input: RGB [B,3,h,w], nominally in
    /// [0,1], no normalisation; output [B,3,4h,4w] in the same range (not clamped).
    /// </summary>
    /// <param name="blocks">Residual blocks: 10 for the published network (1,111,299 parameters), 5 for the light one.</param>
    /// <param name="device">Device for the weights (CPU when null).</param>
    public XSrResNet(int blocks = 10, Device? device = null) : base(nameof(XSrResNet))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        const int width = 64;
        image_to_features = nn.Conv2d(3, width, 5, padding: 2);
        features = nn.Sequential(Enumerable.Range(0, blocks).Select(_ => (nn.Module<Tensor, Tensor>)new XResBlock(width)).ToArray());
        usample = nn.Sequential(new UpsampleX2(width), new UpsampleX2(width));
        hrconv = nn.Conv2d(width, width, 3, padding: 1);
        features_to_image = nn.Conv2d(width, 3, 5, padding: 2);
        lrelu = nn.LeakyReLU(0.1);
        RegisterComponents();
        NetworkWeights.KaimingInitConvs(this);
        if (device is not null) this.to(device);
    }

    /// <summary>
    /// The generator with weights from a checkpoint (safetensors, PyTorch zip or legacy .pth, reference key names),
    /// in eval mode.
    /// </summary>
    public static XSrResNet FromFile(string path, int blocks = 10, Device? device = null) =>
        NetworkWeights.ForInference(new XSrResNet(blocks), path, device);

    static Tensor Step(Tensor input, Func<Tensor, Tensor> layer)
    {
        var output = layer(input);
        if (!ReferenceEquals(output, input)) input.Dispose();
        return output;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // align_corners=false with an exact factor of 4, as the reference's F.interpolate call.
        var skip = nn.functional.interpolate(x, scale_factor: [Scale, Scale], mode: InterpolationMode.Bilinear, align_corners: false);
        // Each stage's input is released once the next exists (autograd keeps what backward needs), so inference
        // holds about two activations at a time instead of every intermediate until the end.
        Tensor Activate(Tensor t) => is_grad_enabled() ? lrelu.call(t) : t.leaky_relu_(0.1);
        var f = Step(image_to_features.call(x), Activate);
        foreach (var stage in features.children().Concat(usample.children()).Cast<nn.Module<Tensor, Tensor>>())
            f = Step(f, stage.call);
        f = Step(Step(f, hrconv.call), Activate);
        f = Step(f, features_to_image.call);
        var y = f.add_(skip);
        return y.MoveToOuterDisposeScope();
    }
}
