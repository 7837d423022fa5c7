namespace Dsd.Weights;

/// <summary>One convolution of VGG19's feature extractor, as torchvision numbers it.</summary>
/// <param name="Index">Index in <c>vgg19().features</c> (the <c>N</c> of <c>features.N.weight</c>).</param>
/// <param name="Name">Conventional name, e.g. <c>conv3_2</c>.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="InChannels">Input channels.</param>
public sealed record VggConv(int Index, string Name, int OutChannels, int InChannels)
{
    /// <summary>State-dict key of the kernel, shape [out, in, 3, 3].</summary>
    public string WeightKey => $"features.{Index}.weight";

    /// <summary>State-dict key of the bias, shape [out].</summary>
    public string BiasKey => $"features.{Index}.bias";

    /// <summary>Expected kernel shape.</summary>
    public long[] WeightShape => [OutChannels, InChannels, 3, 3];
}

/// <summary>The fixed layout of torchvision's VGG19 feature extractor (16 convolutions, all 3×3).</summary>
public static class Vgg19Layout
{
    /// <summary>The convolutions in order, conv1_1 (index 0) to conv5_4 (index 34).</summary>
    public static IReadOnlyList<VggConv> Convs { get; } =
    [
        new(0, "conv1_1", 64, 3), new(2, "conv1_2", 64, 64),
        new(5, "conv2_1", 128, 64), new(7, "conv2_2", 128, 128),
        new(10, "conv3_1", 256, 128), new(12, "conv3_2", 256, 256), new(14, "conv3_3", 256, 256), new(16, "conv3_4", 256, 256),
        new(19, "conv4_1", 512, 256), new(21, "conv4_2", 512, 512), new(23, "conv4_3", 512, 512), new(25, "conv4_4", 512, 512),
        new(28, "conv5_1", 512, 512), new(30, "conv5_2", 512, 512), new(32, "conv5_3", 512, 512), new(34, "conv5_4", 512, 512),
    ];

    /// <summary>The convolution at feature index <paramref name="index"/>, or null when that index is not a convolution.</summary>
    public static VggConv? ConvAt(int index) => Convs.FirstOrDefault(c => c.Index == index);

    /// <summary>The convolutions a layer at feature index <paramref name="maxIndex"/> depends on (all convs with index ≤ it).</summary>
    public static IEnumerable<VggConv> ConvsUpTo(int maxIndex) => Convs.Where(c => c.Index <= maxIndex);
}
