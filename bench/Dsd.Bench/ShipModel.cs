using Dsd.Networks;
using Dsd.Restoration;
using Dsd.Serialization;

namespace Dsd.Bench;

/// <summary>
/// <c>Dsd.Bench ship-model TASK NAME CHECKPOINT FOLDER DESCRIPTION [KEY=VALUE …]</c>: writes a trained generator (our
/// checkpoint, the raw weights of a training state file, or a PyTorch state dict, e.g. from bench/pytorch/train_restoration.py) as a shipped model,
/// <c>FOLDER/{task}-{name}.safetensors</c>: float32 weights under the reference names, with the architecture, block
/// count and scale that loaders read and the one-line training summary that <c>dsd restore --help</c> shows.
/// </summary>
static class ShipModel
{
    public static int Run(string[] args)
    {
        if (args.Length < 5)
        {
            Console.Error.WriteLine("usage: Dsd.Bench ship-model TASK NAME CHECKPOINT FOLDER DESCRIPTION [KEY=VALUE …]");
            return 2;
        }
        var task = RestorationTask.Parse(args[0]);
        var name = args[1];
        if (!ShippedModels.Names.Contains(name)) throw new ArgumentException($"name must be one of {string.Join(", ", ShippedModels.Names)}");
        var source = RawWeights(args[2]);
        using var net = RestorationNetworks.Load(task, source);
        if (source != args[2]) File.Delete(source);
        var meta = RestorationNetworks.Describe(task, RestorationNetworks.Blocks(net));
        meta[ShippedModels.DescriptionKey] = args[4];
        foreach (var pair in args[5..])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"not KEY=VALUE: {pair}");
            meta[pair[..eq]] = pair[(eq + 1)..];
        }
        var path = Path.Combine(args[3], ShippedModels.FileName(task, name));
        var state = NetworkWeights.ReferenceStateDict(net).ToDictionary(kv => kv.Key, kv => kv.Value.to_type(TorchSharp.torch.ScalarType.Float32).contiguous());
        SafeTensors.Save(path, state, meta);
        Console.WriteLine($"{path}: {task.Network.Name}, {meta[RestorationNetworks.BlocksKey]} blocks, {state.Values.Sum(t => t.numel()):N0} parameters, {new FileInfo(path).Length:N0} bytes");
        return 0;
    }

    /// <summary>
    /// A training state file (<c>NAME.state.step-N.safetensors</c>) holds the raw weights under <c>param/</c> besides
    /// the Adam moments and the EMA: those raw weights, written to a temporary file; any other path unchanged. (A
    /// short run's EMA still carries much of the initial weights: 0.999^1400 ≈ 25 %.)
    /// </summary>
    static string RawWeights(string path)
    {
        if (!Path.GetFileName(path).Contains(".state.", StringComparison.Ordinal)) return path;
        var raw = SafeTensors.Load(path).Where(kv => kv.Key.StartsWith("param/", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["param/".Length..], kv => kv.Value);
        if (raw.Count == 0) throw new ArgumentException($"{path}: no param/ tensors");
        var temp = Path.Combine(Path.GetTempPath(), $"dsd-raw-{Environment.ProcessId}.safetensors");
        SafeTensors.Save(temp, raw);
        return temp;
    }
}
