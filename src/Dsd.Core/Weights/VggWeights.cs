using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>Where VGG19 weights came from.</summary>
public enum VggWeightsSourceKind
{
    /// <summary>Given explicitly (<c>--vgg-weights</c>).</summary>
    Explicit,
    /// <summary>Named by <c>DSD_VGG19_WEIGHTS</c>.</summary>
    Environment,
    /// <summary>The converted file in the cache folder.</summary>
    Cache,
    /// <summary>The conv1_1…conv3_1 subset built into the library (enough for every tap up to relu3_1).</summary>
    Embedded,
}

/// <summary>
/// One resolved set of VGG19 feature weights: where they came from (<see cref="Path"/>, <see cref="Source"/>), the
/// SHA-256 of that file, and the tensors (keys <c>features.N.weight|bias</c>, float32, CPU), read from the file the
/// first time they are needed and validated against VGG19's shapes. Only a prefix of the network may be present:
/// <see cref="Covers(int)"/> tells whether a layer can be computed. Resolve once with <see cref="VggWeightStore.Resolve"/>
/// (or <see cref="FromFile"/> / <see cref="Embedded"/>) and pass this value to everything that runs VGG19.
/// </summary>
public sealed class VggWeights : IDisposable
{
    readonly Func<Dictionary<string, Tensor>> load;
    readonly Lazy<string> sha256;
    Dictionary<string, Tensor>? state;

    VggWeights(string path, VggWeightsSourceKind source, Func<Dictionary<string, Tensor>> load, Func<string> sha256)
    {
        Path = path;
        Source = source;
        this.load = load;
        this.sha256 = new Lazy<string>(sha256);
    }

    /// <summary>A weights file (safetensors, zip or legacy .pth), loaded on first use.</summary>
    public static VggWeights FromFile(string path, VggWeightsSourceKind source = VggWeightsSourceKind.Explicit) =>
        new(path, source, () => VggWeightStore.LoadNormalised(path), () => VggWeightStore.Sha256Of(path));

    /// <summary>The conv1_1…conv3_1 subset of torchvision's VGG19 that ships inside the library.</summary>
    public static VggWeights Embedded() =>
        new(EmbeddedVggWeights.DisplayName, VggWeightsSourceKind.Embedded, EmbeddedVggWeights.Load, () => EmbeddedVggWeights.Sha256);

    /// <summary>
    /// Tensors already in memory (tests, callers with their own loader): the VGG19 feature keys are taken (with or
    /// without the <c>features.</c> prefix, other entries ignored) and validated like a file's. The tensors are not
    /// copied: disposing this value disposes them.
    /// </summary>
    public static VggWeights FromState(IReadOnlyDictionary<string, Tensor> tensors, string source = "VGG19 weights") =>
        new(source, VggWeightsSourceKind.Explicit, () =>
        {
            var s = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, t) in tensors)
                if (VggWeightStore.NormaliseKey(key) is { } name) s[name] = t;
            VggWeightStore.Validate(s, source);
            return s;
        }, () => "");

    /// <summary>The file the weights come from (or the embedded resource's name).</summary>
    public string Path { get; }

    /// <summary>How they were found.</summary>
    public VggWeightsSourceKind Source { get; }

    /// <summary>Lower-case hex SHA-256 of the file (empty for in-memory tensors).</summary>
    public string Sha256 => sha256.Value;

    /// <summary>Tensors keyed <c>features.N.weight</c> / <c>features.N.bias</c>; loaded (and checked) on first access.</summary>
    public IReadOnlyDictionary<string, Tensor> State => state ??= load();

    /// <summary>The convolutions present, in network order.</summary>
    public IReadOnlyList<VggConv> Covered => Vgg19Layout.Convs.Where(c => State.ContainsKey(c.WeightKey)).ToList();

    /// <summary>True when every convolution up to feature index <paramref name="index"/> is present.</summary>
    public bool Covers(int index) => Vgg19Layout.ConvsUpTo(index).All(c => State.ContainsKey(c.WeightKey));

    /// <summary>True when the named layer (e.g. <c>conv5_4</c>) can be computed.</summary>
    public bool Covers(string layer) => Covers(Vgg19Layers.IndexOf(layer));

    /// <summary>
    /// Throws a <see cref="DsdErrorKind.Weights"/> error unless every convolution up to feature index
    /// <paramref name="maxIndex"/> is present; <paramref name="needFor"/> names the consumer, e.g. "tap relu3_2".
    /// </summary>
    public void Require(int maxIndex, string needFor) => VggWeightStore.RequireCoverage(State, maxIndex, needFor, Path);

    /// <summary>Disposes the tensors (if they were loaded).</summary>
    public void Dispose()
    {
        if (state is null) return;
        foreach (var t in state.Values) t.Dispose();
        state = null;
    }
}
