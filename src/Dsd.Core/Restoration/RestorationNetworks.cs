using System.Globalization;
using Dsd.Networks;
using Dsd.Serialization;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>Building, describing and loading the generator of a <see cref="RestorationTask"/>.</summary>
public static class RestorationNetworks
{
    /// <summary>The metadata keys a generator file records about its architecture.</summary>
    public const string ArchitectureKey = "architecture", BlocksKey = "blocks", ScaleKey = "scale", TaskKey = "task";

    /// <summary>Largest block count a file may ask for (the published networks have 10; this bounds the memory a file can claim).</summary>
    public const int MaxBlocks = 256;

    /// <summary>The number of xResBlocks of a generator (its <c>features.N</c> modules).</summary>
    public static int Blocks(nn.Module<Tensor, Tensor> network) =>
        network.named_parameters().Count(p => p.name.StartsWith("features.", StringComparison.Ordinal) && p.name.EndsWith(".conv1.weight", StringComparison.Ordinal));

    /// <summary>A freshly initialised generator for <paramref name="task"/> on CPU.</summary>
    public static nn.Module<Tensor, Tensor> Create(RestorationTask task, int blocks) => task.Network.Create(blocks);

    /// <summary>
    /// Restores <paramref name="input"/> [1,3,h,w] with <paramref name="network"/> (a generator of this task), tile by
    /// tile with the exact margin (the architecture's receptive radius), so the result equals whole-image inference:
    /// [1,3,s·h,s·w] in [0,1].
    /// </summary>
    public static Tensor Restore(this RestorationTask task, nn.Module<Tensor, Tensor> network, Tensor input, int tile = 256, MemoryBudget? budget = null) =>
        TiledInference.Run(network, input, task.Scale, tile, task.Network.ReceptiveRadius(Blocks(network)), budget);

    /// <summary>What a generator file records about itself, so that any reader can rebuild the network.</summary>
    public static Dictionary<string, string> Describe(RestorationTask task, int blocks) => new()
    {
        [TaskKey] = task.Name,
        [ArchitectureKey] = task.Network.Name,
        [BlocksKey] = blocks.ToString(CultureInfo.InvariantCulture),
        [ScaleKey] = task.Scale.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The weights file a user may have named by its sidecar (<c>NAME.json</c>); other paths unchanged.</summary>
    public static string WeightsPathOf(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? path[..^".json".Length] + ".safetensors" : path;

    /// <summary>
    /// Loads the generator for <paramref name="task"/> named by <paramref name="model"/>: a shipped model's name
    /// (<see cref="ShippedModels.Names"/>: <c>dsd</c>, <c>l1</c>) or a checkpoint path (see <see cref="Load"/>).
    /// </summary>
    public static nn.Module<Tensor, Tensor> Resolve(RestorationTask task, string model, int? blocks = null, Device? device = null) =>
        Load(task, ShippedModels.Names.Contains(model) ? ShippedModels.Require(task, model).Path : model, blocks, device);

    /// <summary>
    /// Loads a generator from a checkpoint: our safetensors (or its <c>.json</c> sidecar) or a PyTorch state dict
    /// saved by the reference code. The architecture and block count come from the file's metadata when it has them
    /// (ours do), else from its <c>features.N</c> keys; <paramref name="blocks"/> overrides. The network is returned
    /// in eval mode on <paramref name="device"/>.
    /// </summary>
    /// <exception cref="DsdException">Missing, unreadable file, a model of another task, keys or shapes of another network (Weights).</exception>
    public static nn.Module<Tensor, Tensor> Load(RestorationTask task, string path, int? blocks = null, Device? device = null)
    {
        path = WeightsPathOf(path);
        var file = new FileInfo(path);
        if (!file.Exists) throw new DsdException(DsdErrorKind.Weights, $"{path}: model file not found");
        // A named pipe would make the open wait for a writer forever; a device never ends.
        InputFile.RequireRegular(path, DsdErrorKind.Weights);
        if (file.Length == 0) throw new DsdException(DsdErrorKind.Weights, $"{path}: empty file");
        var recorded = RecordedBlocks(task, path);
        Dictionary<string, Tensor> state;
        try { state = StateDict.Load(path); }
        catch (DsdException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: {e.Message}", e);
        }
        try
        {
            var n = blocks ?? recorded ?? CountBlocks(state)
                ?? throw new DsdException(DsdErrorKind.Weights, $"{path}: not a {task.Name} generator state dict (no features.N.* keys)");
            if (n is < 1 or > MaxBlocks) throw new DsdException(DsdErrorKind.Weights, $"{path}: {n} blocks is outside 1…{MaxBlocks}");
            return NetworkWeights.ForInference(Create(task, n), state, path, device);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>
    /// The block count a safetensors file records, after checking that it holds this task's architecture; null for
    /// files without the record (PyTorch state dicts, older checkpoints).
    /// </summary>
    static int? RecordedBlocks(RestorationTask task, string path)
    {
        if (StateDict.DetectFormat(path) != StateDictFormat.SafeTensors) return null;
        Dictionary<string, string> meta;
        try { meta = SafeTensors.LoadMetadata(path); }
        catch (DsdException e) { throw new DsdException(DsdErrorKind.Weights, e.Message, e); }
        if (meta.TryGetValue(ArchitectureKey, out var architecture) && architecture != task.Network.Name)
        {
            var other = RestorationTask.All.FirstOrDefault(t => t.Network.Name == architecture);
            throw new DsdException(DsdErrorKind.Weights, other is null
                ? $"{path}: a '{architecture}' network, not {task.Network.Summary}"
                : $"{path}: a {other.Title} model ({architecture}); use it with 'dsd restore {other.Name}'");
        }
        if (!meta.TryGetValue(BlocksKey, out var text)) return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var blocks) && blocks is >= 1 and <= MaxBlocks
            ? blocks
            : throw new DsdException(DsdErrorKind.Weights, $"{path}: metadata blocks '{text}' is not a block count in 1…{MaxBlocks}");
    }

    /// <summary>Residual blocks in a generator state dict: distinct N of <c>[module.]features.N.*</c> keys, or null.</summary>
    public static int? CountBlocks(IReadOnlyDictionary<string, Tensor> state)
    {
        var indices = new HashSet<int>();
        foreach (var key in state.Keys)
        {
            var k = key.StartsWith("module.", StringComparison.Ordinal) ? key["module.".Length..] : key;
            if (!k.StartsWith("features.", StringComparison.Ordinal)) continue;
            var rest = k["features.".Length..];
            var dot = rest.IndexOf('.');
            if (dot > 0 && int.TryParse(rest[..dot], CultureInfo.InvariantCulture, out var i)) indices.Add(i);
        }
        return indices.Count == 0 ? null : indices.Max() + 1;
    }
}
