using Dsd.Networks;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;
using Dsd.Training.Restoration;

namespace Dsd.Restoration;

/// <summary>What a restoration network does: ×4 super-resolution (xSRResNet) or deblurring (DeblurNet).</summary>
public enum RestorationTask
{
    SuperResolution,
    Deblur,
}

/// <summary>Building and loading the generator of a <see cref="RestorationTask"/>.</summary>
public static class RestorationNetworks
{
    /// <summary>Output pixels per input pixel along each side: 4 for super-resolution, 1 for deblurring.</summary>
    public static int Scale(this RestorationTask task) => task == RestorationTask.SuperResolution ? XSrResNet.Scale : 1;

    /// <summary>The CLI / config name: <c>sr</c> or <c>deblur</c>.</summary>
    public static string Name(this RestorationTask task) => task == RestorationTask.SuperResolution ? "sr" : "deblur";

    /// <summary>Parses <c>sr</c> or <c>deblur</c>.</summary>
    public static RestorationTask Parse(string name) => name switch
    {
        "sr" => RestorationTask.SuperResolution,
        "deblur" => RestorationTask.Deblur,
        _ => throw new DsdException(DsdErrorKind.InvalidInput, $"unknown restoration task '{name}' (use sr or deblur)"),
    };

    /// <summary>The number of xResBlocks of a generator (its <c>features.N</c> modules).</summary>
    public static int Blocks(nn.Module<Tensor, Tensor> network) =>
        network.named_parameters().Count(p => p.name.StartsWith("features.", StringComparison.Ordinal) && p.name.EndsWith(".conv1.weight", StringComparison.Ordinal));

    /// <summary>A freshly initialised generator for <paramref name="task"/> on CPU.</summary>
    public static nn.Module<Tensor, Tensor> Create(RestorationTask task, int blocks) =>
        task == RestorationTask.SuperResolution ? new XSrResNet(blocks) : new DeblurNet(blocks);

    /// <summary>
    /// Loads a generator from a checkpoint: our safetensors (or its <c>.json</c> sidecar) or a PyTorch state dict
    /// saved by the reference code. When <paramref name="blocks"/> is null it is the number of <c>features.N</c>
    /// blocks the file holds. The network is returned in eval mode on <paramref name="device"/>.
    /// </summary>
    /// <exception cref="DsdException">Missing or unreadable file (InvalidInput / Weights); keys or shapes of another network (Weights).</exception>
    public static nn.Module<Tensor, Tensor> Load(RestorationTask task, string path, int? blocks = null, Device? device = null)
    {
        path = CheckpointFiles.WeightsPathOf(path);
        if (!File.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: model file not found");
        Dictionary<string, Tensor> state;
        try { state = StateDict.Load(path); }
        catch (DsdException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: {e.Message}", e);
        }
        try
        {
            var n = blocks ?? CountBlocks(state)
                ?? throw new DsdException(DsdErrorKind.Weights, $"{path}: not a {task.Name()} generator state dict (no features.N.* keys)");
            var net = Create(task, n);
            NetworkWeights.Load(net, state, path);
            net.eval();
            if (device is not null) net.to(device);
            return net;
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
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
            if (dot > 0 && int.TryParse(rest[..dot], System.Globalization.CultureInfo.InvariantCulture, out var i)) indices.Add(i);
        }
        return indices.Count == 0 ? null : indices.Max() + 1;
    }
}
