using System.Security.Cryptography;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>A place VGG19 weights may come from, as <c>dsd weights list</c> reports it.</summary>
/// <param name="Kind">Explicit, environment, cache or embedded.</param>
/// <param name="Path">The file (the resource's name when embedded).</param>
/// <param name="Exists">Whether the file exists.</param>
public sealed record VggWeightsCandidate(VggWeightsSourceKind Kind, string Path, bool Exists);

/// <summary>
/// Finds, loads and validates VGG19 feature weights. Resolution order: explicit path, <c>DSD_VGG19_WEIGHTS</c>,
/// <c>$DSD_HOME/vgg19-features.safetensors</c>, then the embedded conv1_1…conv3_1 subset when every layer asked for
/// stops at relu3_1; otherwise a download (when allowed). An explicit or environment path that does not exist is an
/// error rather than a silent fall-through, so that a typo never picks up different weights.
/// </summary>
public static partial class VggWeightStore
{
    /// <summary>Name of the compact conversion in the cache folder.</summary>
    public const string CacheFileName = "vgg19-features.safetensors";

    /// <summary>Feature index of conv5_4, the deepest layer any metric or loss uses.</summary>
    public const int FullNetworkIndex = 34;

    /// <summary>The places to look, in resolution order (unset ones omitted).</summary>
    public static IReadOnlyList<VggWeightsCandidate> Candidates(VggWeightsOptions options)
    {
        var list = new List<VggWeightsCandidate>();
        if (options.ExplicitPath is { } e) list.Add(new(VggWeightsSourceKind.Explicit, e, File.Exists(e)));
        if (options.EnvironmentPath is { } v) list.Add(new(VggWeightsSourceKind.Environment, v, File.Exists(v)));
        list.Add(new(VggWeightsSourceKind.Cache, options.CachePath, File.Exists(options.CachePath)));
        list.Add(new(VggWeightsSourceKind.Embedded, EmbeddedVggWeights.DisplayName, true));
        return list;
    }

    /// <summary>
    /// The candidate to use for layers up to feature index <paramref name="deepestIndex"/>, or null when only a
    /// download would provide them. A missing explicit/env file throws. A user's file (explicit, env, cache) always
    /// wins, even when it stops earlier: its coverage is checked where the layers are used.
    /// </summary>
    public static VggWeightsCandidate? Resolve(VggWeightsOptions options, int deepestIndex = EmbeddedVggWeights.DeepestIndex)
    {
        foreach (var c in Candidates(options))
        {
            if (c.Kind == VggWeightsSourceKind.Embedded)
                return deepestIndex <= EmbeddedVggWeights.DeepestIndex ? c : null;
            if (c.Exists) return c;
            if (c.Kind == VggWeightsSourceKind.Explicit)
                throw new DsdException(DsdErrorKind.Weights, $"{c.Path}: weights file not found (given with --vgg-weights)");
            if (c.Kind == VggWeightsSourceKind.Environment)
                throw new DsdException(DsdErrorKind.Weights, $"{c.Path}: weights file not found (named by {VggWeightsOptions.WeightsVariable})");
        }
        return null;
    }

    /// <summary>The weights a candidate names (tensors load on first use).</summary>
    public static VggWeights Open(VggWeightsCandidate candidate) => candidate.Kind == VggWeightsSourceKind.Embedded
        ? VggWeights.Embedded()
        : VggWeights.FromFile(candidate.Path, candidate.Kind);

    /// <summary>
    /// Resolves weights for layers up to <paramref name="deepestIndex"/>, downloading and converting torchvision's file
    /// first when nothing set up covers them and downloads are allowed. <paramref name="onDownload"/> is told before a
    /// download starts (the CLI prints a notice and shows <paramref name="progress"/>).
    /// </summary>
    public static VggWeights Acquire(VggWeightsOptions options, int deepestIndex = EmbeddedVggWeights.DeepestIndex,
        IProgress<DownloadProgress>? progress = null, Action<string>? onDownload = null, CancellationToken cancellationToken = default)
    {
        if (Resolve(options, deepestIndex) is { } c) return Open(c);
        if (!options.AllowDownload)
            throw NotFound(options, $"layers up to {Vgg19Layers.Names[deepestIndex]} need torchvision's full VGG19 file (the built-in subset stops at relu3_1), and downloads are disabled by {VggWeightsOptions.OfflineVariable}");
        onDownload?.Invoke($"VGG19 weights beyond relu3_1 are not set up; downloading {options.Url} into {options.CacheDirectory} (once)");
        VggWeightFetcher.Fetch(options, progress, cancellationToken);
        return VggWeights.FromFile(options.CachePath, VggWeightsSourceKind.Cache);
    }

    /// <summary>Loads one file (safetensors, zip or legacy .pth), normalises its keys and validates shapes.</summary>
    public static VggWeights LoadFile(string path, VggWeightsSourceKind source = VggWeightsSourceKind.Explicit)
    {
        var weights = VggWeights.FromFile(path, source);
        _ = weights.State;
        return weights;
    }

    /// <summary>
    /// Reads the VGG19 feature tensors of a file as float32 with keys <c>features.N.weight|bias</c>: accepts keys
    /// with or without the <c>features.</c> (or <c>module.</c>) prefix, drops <c>classifier.*</c> and other
    /// non-feature entries, and checks every present convolution against VGG19's shapes.
    /// </summary>
    public static Dictionary<string, Tensor> LoadNormalised(string path)
    {
        var raw = StateDict.Load(path, key => NormaliseKey(key) is not null);
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in raw)
        {
            var name = NormaliseKey(key)!;
            if (state.ContainsKey(name))
                throw new DsdException(DsdErrorKind.Weights, $"{path}: key '{key}' duplicates '{name}'");
            if (tensor.dtype == ScalarType.Float32) { state[name] = tensor; continue; }
            state[name] = tensor.to_type(ScalarType.Float32);
            tensor.Dispose();
        }
        try { Validate(state, path); }
        catch
        {
            foreach (var t in state.Values) t.Dispose();
            throw;
        }
        return state;
    }

    /// <summary>Maps a checkpoint key to <c>features.N.weight|bias</c>, or null when it is not a feature tensor.</summary>
    public static string? NormaliseKey(string key)
    {
        var m = KeyPattern().Match(key);
        return m.Success ? $"features.{int.Parse(m.Groups[1].Value)}.{m.Groups[2].Value}" : null;
    }

    [GeneratedRegex(@"^(?:module\.)?(?:vgg19/)?(?:features\.)?(\d+)\.(weight|bias)$")]
    private static partial Regex KeyPattern();

    /// <summary>Checks every tensor against VGG19's layout; throws a Weights error naming <paramref name="path"/>.</summary>
    internal static void Validate(Dictionary<string, Tensor> state, string path)
    {
        foreach (var (key, t) in state)
        {
            var index = int.Parse(key.Split('.')[1]);
            var conv = Vgg19Layout.ConvAt(index)
                ?? throw new DsdException(DsdErrorKind.Weights, $"{path}: key '{key}' is not a VGG19 convolution (a VGG with batch norm, or another network?)");
            var expected = key.EndsWith(".weight", StringComparison.Ordinal) ? conv.WeightShape : [conv.OutChannels];
            if (!t.shape.SequenceEqual(expected))
                throw new DsdException(DsdErrorKind.Weights,
                    $"{path}: '{key}' ({conv.Name}) has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", expected)}] for VGG19");
            var other = key.EndsWith(".weight", StringComparison.Ordinal) ? conv.BiasKey : conv.WeightKey;
            if (!state.ContainsKey(other))
                throw new DsdException(DsdErrorKind.Weights, $"{path}: has '{key}' but lacks '{other}' ({conv.Name})");
        }
        if (state.Count == 0)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: contains no VGG19 feature weights (features.N.weight|bias)");
    }

    /// <summary>Throws unless every convolution up to feature index <paramref name="maxIndex"/> is in <paramref name="state"/>.</summary>
    public static void RequireCoverage(IReadOnlyDictionary<string, Tensor> state, int maxIndex, string needFor, string path)
    {
        foreach (var conv in Vgg19Layout.ConvsUpTo(maxIndex))
        {
            if (!state.ContainsKey(conv.WeightKey))
                throw new DsdException(DsdErrorKind.Weights, $"weights file {path} lacks features.{conv.Index} ({conv.Name}) needed for {needFor}");
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file, read in a stream.</summary>
    public static string Sha256Of(string path)
    {
        Serialization.InputFile.RequireRegular(path, DsdErrorKind.Weights);
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }

    internal static DsdException NotFound(VggWeightsOptions options, string? why) => new(DsdErrorKind.Weights,
        "VGG19 weights not found" + (why is null ? "" : $" ({why})") + $". Download them with 'dsd weights fetch', or import a local copy of "
        + $"torchvision's file with 'dsd weights import /path/to/vgg19-dcbb9e9d.pth' (it is converted into {options.CacheDirectory}), "
        + $"or point --vgg-weights or {VggWeightsOptions.WeightsVariable} at a .pth or .safetensors file.");
}
