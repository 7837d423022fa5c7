using System.Security.Cryptography;
using Dsd.Serialization;
using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>
/// The conv1_1…conv3_1 layers of torchvision's ImageNet VGG19 (<c>vgg19-dcbb9e9d.pth</c>, BSD-3-Clause, see
/// THIRD-PARTY-NOTICES.md), 2.2 MB, built into the assembly. They are all that DSD needs (taps relu1_2 … relu3_1),
/// so scoring, fingerprints, noref-dsd and the DSD loss work offline on first run; deeper layers (perceptual at
/// conv5_4) still need the full file.
/// </summary>
public static class EmbeddedVggWeights
{
    const string ResourceName = "Dsd.Weights.vgg19-conv1_1-conv3_1.safetensors";

    /// <summary>How outputs name these weights.</summary>
    public const string DisplayName = "embedded:vgg19-conv1_1-conv3_1 (torchvision VGG19, BSD-3-Clause)";

    /// <summary>Deepest feature index the subset covers: conv3_1 = 10, so relu3_1 = 11 can be computed.</summary>
    public const int DeepestIndex = 11;

    /// <summary>SHA-256 of the embedded file, as its bytes are checked on every load.</summary>
    public const string ExpectedSha256 = "b904e9a6709310a675895600dcc49065be8036d134b63c4712e5795e554ea843";

    /// <summary>The SHA-256 of the resource (equal to <see cref="ExpectedSha256"/> unless the assembly was tampered with).</summary>
    public static string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Bytes()));

    /// <summary>The tensors, validated like any weights file.</summary>
    public static Dictionary<string, Tensor> Load()
    {
        var bytes = Bytes();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != ExpectedSha256)
            throw new DsdException(DsdErrorKind.Weights, $"{DisplayName}: checksum {sha[..8]}… differs from {ExpectedSha256[..8]}… (damaged build?)");
        var state = SafeTensors.Parse(bytes, DisplayName);
        VggWeightStore.Validate(state, DisplayName);
        return state;
    }

    static byte[] Bytes()
    {
        using var stream = typeof(EmbeddedVggWeights).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DsdException(DsdErrorKind.Weights, $"{DisplayName}: resource {ResourceName} is missing from the assembly");
        using var memory = new MemoryStream((int)stream.Length);
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
