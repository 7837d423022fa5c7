using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Networks;
using Dsd.Serialization;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// Writing and reading restoration checkpoints (<see cref="CheckpointFiles"/>): the generator's weights as
/// reference-named safetensors and the same as a torch.save zip (the EMA weights when EMA is on), the resumption state
/// (<c>param/…</c> raw weights, <c>adam_m/…</c>, <c>adam_v/…</c>, <c>ema/…</c>) under a step-stamped name, and the JSON
/// sidecar that names it, written last as the commit point (<see cref="CheckpointCommit"/>).
/// </summary>
public static class RestorationCheckpoint
{
    public const string Format = "dsd-training-checkpoint/1";

    /// <summary>What the sidecar records besides the config.</summary>
    public sealed record Info(long Step, double? BestMerit, long BestStep, ValidationScores? Scores, string? PerceptualLayer);

    public static void Save(string directory, string name, RestorationTrainingConfig config, Info info,
        nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? ema, Adam? adam)
    {
        var step = info.Step.ToString(CultureInfo.InvariantCulture);
        var meta = RestorationNetworks.Describe(RestorationTask.Parse(config.Task), config.Blocks);
        meta["format"] = Format;
        meta[CheckpointCommit.StepKey] = step;
        var stateName = adam is null ? null : CheckpointCommit.StateFileName(name, info.Step);
        SafeTensors.Save(CheckpointFiles.Weights(directory, name), NetworkWeights.ReferenceStateDict(ema ?? network), meta);
        // The same weights for PyTorch users: torch.load(NAME.pth) gives the reference generator's state dict.
        PyTorchZipWriter.Save(CheckpointFiles.PyTorch(directory, name), NetworkWeights.ReferenceStateDict(ema ?? network));
        if (adam is not null)
        {
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, t) in NetworkWeights.ReferenceStateDict(network)) state["param/" + key] = t;
            foreach (var (key, t) in adam.FirstMoments) state["adam_m/" + key] = t;
            foreach (var (key, t) in adam.SecondMoments) state["adam_v/" + key] = t;
            if (ema is not null)
                foreach (var (key, t) in NetworkWeights.ReferenceStateDict(ema)) state["ema/" + key] = t;
            SafeTensors.Save(Path.Combine(directory, stateName!), state, meta);
        }
        var sidecar = new JsonObject
        {
            ["format"] = Format,
            ["task"] = config.Task,
            ["architecture"] = RestorationTask.Parse(config.Task).Network.Name,
            ["blocks"] = config.Blocks,
            ["step"] = info.Step,
            ["weights"] = Path.GetFileName(CheckpointFiles.Weights(directory, name)),
            ["pytorch_weights"] = Path.GetFileName(CheckpointFiles.PyTorch(directory, name)),
            ["weights_are_ema"] = ema is not null,
            ["state"] = stateName,
            ["best_metric"] = config.BestMetric,
            ["best_merit"] = info.BestMerit,
            ["best_step"] = info.BestStep,
            ["perceptual_layer"] = info.PerceptualLayer,
            ["validation"] = info.Scores is null ? null : JsonSerializer.SerializeToNode(info.Scores, RestorationTrainingConfig.Json),
            ["config"] = JsonNode.Parse(config.ToJson()),
        };
        AtomicFile.WriteAllText(CheckpointFiles.Sidecar(directory, name), sidecar.ToJsonString(RestorationTrainingConfig.Json));
        if (stateName is not null) CheckpointCommit.RemoveOtherStates(directory, name, stateName);
    }

    /// <summary>
    /// Reads a sidecar (given as the sidecar or its weights file): the config and the step reached. Every field a resume
    /// uses is checked here (step within 0…steps, best_step within 0…step, best_merit finite, state a file name beside
    /// the sidecar). The config's <c>out</c> becomes the sidecar's folder: a run that was copied or moved continues where
    /// it is now, never in the folder it was first written to.
    /// </summary>
    /// <exception cref="DsdException">No sidecar there (InvalidInput); a sidecar that is malformed or out of range (Weights), naming the field.</exception>
    public static (RestorationTrainingConfig Config, JsonObject Sidecar) ReadSidecar(string path)
    {
        var sidecar = CheckpointFiles.SidecarPathOf(path);
        if (!File.Exists(sidecar)) throw new DsdException(DsdErrorKind.InvalidInput, $"{sidecar}: checkpoint sidecar not found");
        InputFile.RequireRegular(sidecar, DsdErrorKind.Weights);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(sidecar)) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException e) { throw new DsdException(DsdErrorKind.Weights, $"{sidecar}: not a checkpoint sidecar: {e.Message}", e); }
        if (json["format"] is not JsonValue f || !f.TryGetValue<string>(out var format) || format != Format || json["config"] is not JsonObject configNode)
            throw new DsdException(DsdErrorKind.Weights, $"{sidecar}: not a {Format} sidecar");
        RestorationTrainingConfig config;
        try
        {
            config = RestorationTrainingConfig.FromJson(configNode.ToJsonString(), sidecar);
            config.Validate();
        }
        catch (DsdException e) when (e.Kind is DsdErrorKind.InvalidInput or DsdErrorKind.Usage)
        {
            throw new DsdException(DsdErrorKind.Weights, e.Message.StartsWith(sidecar, StringComparison.Ordinal) ? e.Message : $"{sidecar}: config: {e.Message}", e);
        }
        var step = Integer(sidecar, json, "step", 0, config.Steps) ?? throw Field(sidecar, "step", "missing");
        Integer(sidecar, json, "best_step", 0, step);
        if (json["best_merit"] is { } merit && !(merit is JsonValue m && m.TryGetValue<double>(out var value) && double.IsFinite(value)))
            throw Field(sidecar, "best_merit", $"{merit.ToJsonString()} is not a finite number");
        if (json["state"] is { } state && !(state is JsonValue sv && sv.TryGetValue<string>(out var name) && name.Length > 0 && Path.GetFileName(name) == name))
            throw Field(sidecar, "state", $"{state.ToJsonString()} is not a file name beside the sidecar");
        var folder = Path.GetDirectoryName(Path.GetFullPath(sidecar))!;
        return (config with { Out = folder }, json);
    }

    /// <summary>An optional integer field within [least, most].</summary>
    static long? Integer(string sidecar, JsonObject json, string key, long least, long most) => json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<long>(out var n) && n >= least && n <= most => n,
        var other => throw Field(sidecar, key, $"{other.ToJsonString()} is not an integer in {least}…{most}"),
    };

    static DsdException Field(string sidecar, string key, string problem) => new(DsdErrorKind.Weights, $"{sidecar}: field '{key}': {problem}");

    /// <summary>Restores raw weights, Adam moments and EMA from the state file beside <paramref name="sidecarPath"/>.</summary>
    public static void LoadState(string sidecarPath, JsonObject sidecar, nn.Module<Tensor, Tensor> network, nn.Module<Tensor, Tensor>? ema, Adam adam)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(CheckpointFiles.SidecarPathOf(sidecarPath)))!;
        var stateName = (string?)sidecar["state"] ?? throw new DsdException(DsdErrorKind.Weights, $"{sidecarPath}: this checkpoint has no optimiser state (a 'best' checkpoint?); resume from 'last'");
        var statePath = Path.Combine(dir, stateName);
        if (!File.Exists(statePath)) throw new DsdException(DsdErrorKind.Weights, $"{statePath}: optimiser state not found (named by {CheckpointFiles.SidecarPathOf(sidecarPath)})");
        CheckpointCommit.RequireSameStep(statePath, SafeTensors.LoadMetadata(statePath), (long)sidecar["step"]!, CheckpointFiles.SidecarPathOf(sidecarPath));
        var state = SafeTensors.Load(statePath);
        try
        {
            NetworkWeights.Load(network, Under(state, "param/"), statePath);
            if (ema is not null)
            {
                var e = Under(state, "ema/");
                if (e.Count == 0) throw new DsdException(DsdErrorKind.Weights, $"{statePath}: the run had no EMA; resume with ema = 0");
                NetworkWeights.Load(ema, e, statePath);
            }
            using var noGrad = no_grad();
            foreach (var (prefix, moments) in new[] { ("adam_m/", adam.FirstMoments), ("adam_v/", adam.SecondMoments) })
                foreach (var (key, t) in moments)
                {
                    if (!state.TryGetValue(prefix + key, out var saved) || !saved.shape.SequenceEqual(t.shape))
                        throw new DsdException(DsdErrorKind.Weights, $"{statePath}: {prefix}{key} is missing or has the wrong shape");
                    t.copy_(saved);
                }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    static Dictionary<string, Tensor> Under(Dictionary<string, Tensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
