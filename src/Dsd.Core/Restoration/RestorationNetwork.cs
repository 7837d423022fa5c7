using Dsd.Networks;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// A restoration architecture as a catalogue entry: its name (what checkpoints record), its scale, the block count of
/// the published network, how to build it and how far it sees. Adding a network is one entry here plus its class.
/// </summary>
/// <param name="Name">The name checkpoints record in their <c>architecture</c> metadata.</param>
/// <param name="Scale">Output pixels per input pixel along each side.</param>
/// <param name="PublishedBlocks">xResBlocks of the paper's network (supplementary Table 4).</param>
/// <param name="Summary">One line for help texts and listings.</param>
/// <param name="Factory">A freshly initialised network with the given block count, on CPU.</param>
/// <param name="Radius">Input pixels on each side that influence one output pixel, for a block count.</param>
/// <param name="Tail">Parameter-name prefix of the last convolution, whose output is added to the skip path.</param>
public sealed record RestorationNetwork(string Name, int Scale, int PublishedBlocks, string Summary,
    Func<int, nn.Module<Tensor, Tensor>> Factory, Func<int, int> Radius, string Tail = "features_to_image.")
{
    /// <summary>
    /// xSRResNet ×4 (docs/method.md §4). Radius: 5×5 head (2) + per block 3×3, 7×7 depthwise, 3×3 (5) + the tail,
    /// at most 3 input pixels (3×3 upsampling convs and 3×3 + 5×5 at 4× resolution).
    /// </summary>
    public static RestorationNetwork XSrResNet { get; } = new("xsrresnet", 4, 10, "xSRResNet, ×4 super-resolution",
        blocks => new XSrResNet(blocks), blocks => 5 + 5 * blocks);

    /// <summary>The deblurring network (docs/method.md §4). Radius: head (2) + 5 per block + 3×3 and 5×5 tail (3).</summary>
    public static RestorationNetwork DeblurNet { get; } = new("deblurnet", 1, 10, "the deblurring network (xSRResNet without upsampling)",
        blocks => new DeblurNet(blocks), blocks => 5 + 5 * blocks);

    /// <summary>Every architecture, in the order listings show them.</summary>
    public static IReadOnlyList<RestorationNetwork> All { get; } = [XSrResNet, DeblurNet];

    /// <summary>A freshly initialised network with <paramref name="blocks"/> xResBlocks on CPU.</summary>
    public nn.Module<Tensor, Tensor> Create(int blocks)
    {
        if (blocks < 1) throw new DsdException(DsdErrorKind.InvalidInput, $"{Name}: blocks must be at least 1, got {blocks}");
        return Factory(blocks);
    }

    /// <summary>
    /// Sets the last convolution to zero, so that the network starts as its skip path (bilinear ×4 upsampling, or the
    /// identity) instead of adding a random image to it; training then starts at the skip path's loss.
    /// </summary>
    public void ZeroTail(nn.Module<Tensor, Tensor> network)
    {
        using var noGrad = no_grad();
        var tail = network.named_parameters().Where(p => p.name.StartsWith(Tail, StringComparison.Ordinal)).ToList();
        if (tail.Count == 0) throw new InvalidOperationException($"{Name}: no parameters named {Tail}*");
        foreach (var (_, p) in tail) p.zero_();
    }

    /// <summary>The tile margin that makes tiled inference equal whole-image inference (<see cref="TiledInference"/>).</summary>
    public int ReceptiveRadius(int blocks) => Radius(blocks);

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public static RestorationNetwork? Find(string name) => All.FirstOrDefault(n => n.Name == name);
}
