using TorchSharp;
using Dsd.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Features;

/// <summary>
/// Frozen ImageNet VGG19 feature extractor exposing named taps (relu1_2, conv3_1, pool2, …). It builds only the
/// layers up to the deepest requested tap, so a file holding conv1_1..conv3_1 suffices for the DSD taps.
/// Input: RGB in [0,1], shape [B,3,H,W], on <see cref="Device"/>; ImageNet mean/std normalisation happens inside.
/// Parameter names equal torchvision's (<c>features.N.weight|bias</c>).
/// </summary>
public sealed class Vgg19Features : nn.Module<Tensor, IReadOnlyDictionary<string, Tensor>>
{
    readonly Sequential features;
    readonly Tensor mean;
    readonly Tensor std;
    // mean/std converted to the last input's device and dtype (not a Tensor field, so not registered as a buffer).
    (Tensor Mean, Tensor Std)? normalisation;
    readonly int[] tapIndices;

    /// <summary>The taps this extractor returns, in the order requested.</summary>
    public IReadOnlyList<string> Taps { get; }

    public Device Device { get; private set; }

    /// <param name="taps">Layer names to return.</param>
    /// <param name="weights">Resolved VGG19 weights (see <see cref="VggWeightStore.Resolve"/>); they must cover the deepest tap.</param>
    /// <param name="device">Device for weights and computation (CPU when null).</param>
    public Vgg19Features(IEnumerable<string> taps, VggWeights weights, Device? device = null)
        : this(taps, weights.State, device, weights.Path)
    {
    }

    /// <param name="taps">Layer names to return.</param>
    /// <param name="stateDict">torchvision VGG19 weights; keys <c>features.N.weight</c> or <c>N.weight</c>.</param>
    /// <param name="device">Device for weights and computation (CPU when null).</param>
    /// <param name="source">Where the weights came from, for error messages.</param>
    public Vgg19Features(IEnumerable<string> taps, IReadOnlyDictionary<string, Tensor> stateDict, Device? device = null, string source = "VGG19 weights")
        : base(nameof(Vgg19Features))
    {
        Taps = taps.Distinct().ToList();
        if (Taps.Count == 0) throw new ArgumentException("at least one tap is required", nameof(taps));
        tapIndices = Taps.Select(Vgg19Layers.IndexOf).ToArray();
        var deepest = tapIndices.Max();

        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (var i = 0; i <= deepest; i++)
        {
            nn.Module<Tensor, Tensor> layer = Vgg19Layout.ConvAt(i) is { } conv
                ? nn.Conv2d(conv.InChannels, conv.OutChannels, 3, padding: 1)
                : Vgg19Layers.Names[i].StartsWith("relu", StringComparison.Ordinal) ? nn.ReLU() : nn.MaxPool2d(2, 2);
            layers.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));
        }
        features = nn.Sequential(layers);
        mean = tensor(new[] { 0.485f, 0.456f, 0.406f }).view(1, 3, 1, 1);
        std = tensor(new[] { 0.229f, 0.224f, 0.225f }).view(1, 3, 1, 1);
        RegisterComponents();
        LoadWeights(stateDict, deepest, source);

        foreach (var p in parameters()) p.requires_grad = false;
        eval();
        Device = device ?? CPU;
        this.to(Device);
    }

    /// <summary>Moves weights to another device.</summary>
    public Vgg19Features To(Device device)
    {
        this.to(device);
        Device = device;
        return this;
    }

    /// <summary>
    /// Run the convolutions on channels-last (NHWC-strided) activations, which oneDNN convolves without reordering
    /// each layer (default). Only without autograd: with gradients, libtorch 2.7's channels-last backward gave input
    /// gradients off by up to several percent from the golden ones, so training keeps the contiguous layout. Tap
    /// tensors are then channels-last too: same shape and values, different strides.
    /// </summary>
    public bool ChannelsLast { get; set; } = true;

    /// <summary>Runs the network up to the deepest tap; returns each tap's activations [B,C,H',W'].</summary>
    public override IReadOnlyDictionary<string, Tensor> forward(Tensor image)
    {
        var taps = new Dictionary<string, Tensor>(Taps.Count);
        var (m, sd) = Normalisation(image);
        var x = (image - m).div_(sd);
        // Without autograd, ReLU may overwrite its input (when that input is not a tap), as torchvision's
        // ReLU(inplace=True) does; every intermediate that is not a tap is released as soon as it is consumed
        // (autograd keeps its own references when it needs them).
        var inPlace = !is_grad_enabled();
        if (ChannelsLast && inPlace && x.dim() == 4) x = ToChannelsLast(x);
        var i = 0;
        var previousIsTap = false;
        foreach (var layer in features.children())
        {
            Tensor next;
            if (inPlace && !previousIsTap && layer is ReLU) next = x.relu_();
            else
            {
                next = ((nn.Module<Tensor, Tensor>)layer).call(x);
                if (!previousIsTap) x.Dispose();
            }
            x = next;
            previousIsTap = false;
            for (var t = 0; t < tapIndices.Length; t++)
                if (tapIndices[t] == i) { taps[Taps[t]] = x; previousIsTap = true; }
            i++;
        }
        if (!previousIsTap) x.Dispose();
        return taps;
    }

    /// <summary>The same values with NHWC strides (a [B,C,H,W] view of a contiguous [B,H,W,C] tensor).</summary>
    static Tensor ToChannelsLast(Tensor x)
    {
        var nhwc = x.permute(0, 2, 3, 1).contiguous();
        x.Dispose();
        return nhwc.permute(0, 3, 1, 2);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && normalisation is { } n)
        {
            n.Mean.Dispose();
            n.Std.Dispose();
            normalisation = null;
        }
        base.Dispose(disposing);
    }

    /// <summary>mean and std in the input's device and dtype, converted once rather than on every call.</summary>
    (Tensor Mean, Tensor Std) Normalisation(Tensor like)
    {
        if (normalisation is { } n && n.Mean.device == like.device && n.Mean.dtype == like.dtype) return n;
        if (normalisation is { } old) { old.Mean.Dispose(); old.Std.Dispose(); }
        using (no_grad())
            normalisation = (mean.to(like.dtype, like.device).detach().clone().DetachFromDisposeScope(),
                             std.to(like.dtype, like.device).detach().clone().DetachFromDisposeScope());
        return normalisation.Value;
    }

    /// <summary>The smallest input side for which every tap still has at least one pixel.</summary>
    public int MinimumInputSide => tapIndices.Max(Vgg19Layers.Stride);

    void LoadWeights(IReadOnlyDictionary<string, Tensor> stateDict, int deepest, string source)
    {
        using var noGrad = no_grad();
        foreach (var (name, param) in features.named_parameters())
        {
            // name is "N.weight" or "N.bias"
            var index = int.Parse(name[..name.IndexOf('.')], System.Globalization.CultureInfo.InvariantCulture);
            var key = "features." + name;
            if (!stateDict.TryGetValue(key, out var value) && !stateDict.TryGetValue(name, out value))
                throw new DsdException(DsdErrorKind.Weights,
                    $"{source}: lacks {key} ({Vgg19Layers.Names[index]}), needed for layers up to {Vgg19Layers.Names[deepest]}");
            if (!value.shape.SequenceEqual(param.shape))
                throw new DsdException(DsdErrorKind.Weights,
                    $"{source}: {key} has shape [{string.Join(",", value.shape)}], expected [{string.Join(",", param.shape)}] for VGG19 {Vgg19Layers.Names[index]}");
            param.copy_(value.to_type(ScalarType.Float32));
        }
    }
}
