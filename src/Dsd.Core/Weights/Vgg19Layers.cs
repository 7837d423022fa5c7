namespace Dsd.Weights;

/// <summary>
/// Names of torchvision's <c>vgg19().features</c> modules (indices 0..36), as docs/method.md §1 lists them; the convolutions'
/// shapes are in <see cref="Vgg19Layout"/>.
/// </summary>
public static class Vgg19Layers
{
    public static readonly IReadOnlyList<string> Names =
    [
        "conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1",
        "conv2_1", "relu2_1", "conv2_2", "relu2_2", "pool2",
        "conv3_1", "relu3_1", "conv3_2", "relu3_2", "conv3_3", "relu3_3", "conv3_4", "relu3_4", "pool3",
        "conv4_1", "relu4_1", "conv4_2", "relu4_2", "conv4_3", "relu4_3", "conv4_4", "relu4_4", "pool4",
        "conv5_1", "relu5_1", "conv5_2", "relu5_2", "conv5_3", "relu5_3", "conv5_4", "relu5_4", "pool5",
    ];

    /// <summary>Index of a layer name in <c>features</c>; a clear error for unknown names.</summary>
    public static int IndexOf(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == name) return i;
        throw new DsdException(DsdErrorKind.Usage,
            $"unknown VGG19 layer '{name}'{NameSuggestions.Hint(name, Names)} (expected one of relu1_1 … relu5_4, conv1_1 … conv5_4, pool1 … pool5)");
    }

    /// <summary>Spatial downsampling factor of a layer's output relative to the input (pools before it).</summary>
    public static int Stride(int index) => 1 << Names.Take(index + 1).Count(n => n.StartsWith("pool", StringComparison.Ordinal));
}
