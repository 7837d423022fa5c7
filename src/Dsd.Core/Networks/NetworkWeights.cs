using TorchSharp;
using Dsd.Serialization;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// Moving weights between our networks and reference-named state dicts (PyTorch checkpoints, safetensors), with
/// strict checking: every parameter and buffer must be present with its exact shape, and nothing may be left over.
/// </summary>
public static class NetworkWeights
{
    /// <summary>Loads <paramref name="path"/> into <paramref name="net"/>, switches it to eval mode and moves it to the device.</summary>
    public static T ForInference<T>(T net, string path, Device? device) where T : nn.Module
    {
        Load(net, path);
        return Ready(net, device);
    }

    /// <summary>Copies <paramref name="stateDict"/> (read from <paramref name="source"/>) into <paramref name="net"/>, switches it to eval mode and moves it to the device.</summary>
    public static T ForInference<T>(T net, IReadOnlyDictionary<string, Tensor> stateDict, string source, Device? device) where T : nn.Module
    {
        Load(net, stateDict, source);
        return Ready(net, device);
    }

    static T Ready<T>(T net, Device? device) where T : nn.Module
    {
        net.eval();
        if (device is not null) net.to(device);
        return net;
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="module"/>'s parameters and buffers. Keys may carry the
    /// <c>module.</c> prefix that PyTorch's DataParallel adds. A missing <c>num_batches_tracked</c> is tolerated (it
    /// only matters for BatchNorm with momentum=None). Throws a <see cref="DsdException"/> of kind
    /// <see cref="DsdErrorKind.Weights"/> naming <paramref name="source"/> and the offending keys.
    /// </summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        var given = StripDataParallelPrefix(stateDict);
        var targets = ReferenceStateDict(module);

        var missing = targets.Keys.Where(k => !given.ContainsKey(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        var unexpected = given.Keys.Where(k => !targets.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing {Few(missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected {Few(unexpected)}");
            throw new DsdException(DsdErrorKind.Weights, $"{source}: not a {module.GetName()} state dict: {string.Join("; ", parts)}");
        }
        foreach (var (key, target) in targets)
        {
            if (!given.TryGetValue(key, out var value)) continue;
            if (!value.shape.SequenceEqual(target.shape))
                throw new DsdException(DsdErrorKind.Weights,
                    $"{source}: {key} has shape [{string.Join(",", value.shape)}], expected [{string.Join(",", target.shape)}]");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var loadedFrom = new Dictionary<IntPtr, string>();
        foreach (var (key, target) in targets)
        {
            if (!given.TryGetValue(key, out var value)) continue;
            // A shared module's aliases must agree; otherwise the file is not from this architecture.
            if (loadedFrom.TryGetValue(target.Handle, out var first))
            {
                if (!value.to(target.dtype, target.device).eq(target).all().item<bool>())
                    throw new DsdException(DsdErrorKind.Weights,
                        $"{source}: {key} differs from {first}, but both name one shared module");
                continue;
            }
            target.copy_(value.to(target.dtype, target.device));
            loadedFrom[target.Handle] = key;
        }
    }

    /// <summary>Reads a checkpoint file (safetensors, PyTorch zip or legacy .pth) into <paramref name="module"/>.</summary>
    public static void Load(nn.Module module, string path) => Load(module, StateDict.Load(path), path);

    /// <summary>Writes the module's parameters and buffers as safetensors, under the reference's names.</summary>
    public static void Save(nn.Module module, string path) => SafeTensors.Save(path, ReferenceStateDict(module));

    /// <summary>Number of distinct trainable parameters (a module shared by two blocks counts once).</summary>
    public static long ParameterCount(nn.Module module) =>
        module.parameters().DistinctBy(p => p.Handle).Sum(p => p.numel());

    /// <summary>Kaiming-normal (fan_in, ReLU gain) conv weights and zero biases, the restoration networks' init (docs/method.md §4).</summary>
    internal static void KaimingInitConvs(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var m in module.modules().OfType<TorchSharp.Modules.Conv2d>())
        {
            nn.init.kaiming_normal_(m.weight, a: 0, mode: nn.init.FanInOut.FanIn, nonlinearity: nn.init.NonlinearityType.ReLU);
            m.bias?.zero_();
        }
    }

    /// <summary>
    /// Parameters and buffers by their dotted names as PyTorch's <c>state_dict()</c> lists them: a submodule shared by
    /// two parents (psi's per-stage SE gate) appears under each of its names. TorchSharp's own
    /// <c>state_dict()</c> lists it once, so it cannot read or write the reference's checkpoints on its own.
    /// </summary>
    public static Dictionary<string, Tensor> ReferenceStateDict(nn.Module module)
    {
        var entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Collect(module, "", entries);
        return entries;
    }

    static void Collect(nn.Module module, string prefix, Dictionary<string, Tensor> entries)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false)) entries[prefix + name] = p;
        foreach (var (name, b) in module.named_buffers(recurse: false)) entries[prefix + name] = b;
        foreach (var (name, child) in module.named_children()) Collect(child, $"{prefix}{name}.", entries);
    }

    static IReadOnlyDictionary<string, Tensor> StripDataParallelPrefix(IReadOnlyDictionary<string, Tensor> stateDict) =>
        stateDict.Count > 0 && stateDict.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal))
            ? stateDict.ToDictionary(kv => kv.Key["module.".Length..], kv => kv.Value)
            : stateDict;

    static string Few(List<string> keys) =>
        string.Join(", ", keys.Take(5)) + (keys.Count > 5 ? $" (and {keys.Count - 5} more)" : "");
}
