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
    readonly int[] tapIndices;

    /// <summary>The taps this extractor returns, in the order requested.</summary>
    public IReadOnlyList<string> Taps { get; }

    public Device Device { get; private set; }

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

    /// <summary>Runs the network up to the deepest tap; returns each tap's activations [B,C,H',W'].</summary>
    public override IReadOnlyDictionary<string, Tensor> forward(Tensor image)
    {
        var taps = new Dictionary<string, Tensor>(Taps.Count);
        var x = (image - mean.to(image.device)) / std.to(image.device);
        var i = 0;
        foreach (var layer in features.children())
        {
            x = ((nn.Module<Tensor, Tensor>)layer).call(x);
            for (var t = 0; t < tapIndices.Length; t++)
                if (tapIndices[t] == i) taps[Taps[t]] = x;
            i++;
        }
        return taps;
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
