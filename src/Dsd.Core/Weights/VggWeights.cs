using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>Where a VGG19 weights file was found.</summary>
public enum VggWeightsSourceKind
{
    /// <summary>Given explicitly (<c>--vgg-weights</c>).</summary>
    Explicit,
    /// <summary>Named by <c>DSD_VGG19_WEIGHTS</c>.</summary>
    Environment,
    /// <summary>The converted file in the cache folder.</summary>
    Cache,
}

/// <summary>
/// Validated VGG19 feature weights: keys <c>features.N.weight|bias</c> (float32, CPU), the file they came from and
/// its SHA-256. Only a prefix of the network may be present; use <see cref="Require"/> before using deep layers.
/// </summary>
public sealed class VggWeights : IDisposable
{
    internal VggWeights(Dictionary<string, Tensor> state, string path, string sha256, VggWeightsSourceKind source)
    {
        State = state;
        Path = path;
        Sha256 = sha256;
        Source = source;
    }

    /// <summary>Tensors keyed <c>features.N.weight</c> / <c>features.N.bias</c>.</summary>
    public IReadOnlyDictionary<string, Tensor> State { get; }

    /// <summary>The file the weights were read from.</summary>
    public string Path { get; }

    /// <summary>Lower-case hex SHA-256 of that file.</summary>
    public string Sha256 { get; }

    /// <summary>How the file was found.</summary>
    public VggWeightsSourceKind Source { get; }

    /// <summary>The convolutions present, in network order.</summary>
    public IReadOnlyList<VggConv> Covered => Vgg19Layout.Convs.Where(c => State.ContainsKey(c.WeightKey)).ToList();

    /// <summary>
    /// Throws a <see cref="DsdErrorKind.Weights"/> error unless every convolution up to feature index
    /// <paramref name="maxIndex"/> is present; <paramref name="needFor"/> names the consumer, e.g. "tap relu3_2".
    /// </summary>
    public void Require(int maxIndex, string needFor) => VggWeightStore.RequireCoverage(State, maxIndex, needFor, Path);

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        foreach (var t in State.Values) t.Dispose();
    }
}
