using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Networks;
using Dsd.Serialization;
using static TorchSharp.torch;

namespace Dsd.Training;

/// <summary>
/// A checkpoint NAME of any training head, in the run's folder: the head's weights files (<see cref="TrainingHead.WriteWeights"/>),
/// for a resumable one the state <c>NAME.state.step-NNNNNNN.safetensors</c> (<c>param/…</c> the model's weights under
/// reference names, <c>adam_m/…</c> and <c>adam_v/…</c> Adam's moments, <c>ema/…</c> the weight average), and last the
/// manifest <c>NAME.json</c> (format, step, state file, seconds, and the head's configuration and counters), whose rename
/// is the commit point (<see cref="CheckpointCommit"/>).
/// </summary>
public static class TrainingCheckpoint
{
    public static string ManifestPath(string folder, string name) => Path.Combine(folder, name + ".json");

    public static void Save(TrainingHead head, string name, long step, Adam? adam, double seconds)
    {
        var metadata = head.Metadata(step);
        metadata[CheckpointCommit.StepKey] = step.ToString(CultureInfo.InvariantCulture);
        var stateName = adam is null ? null : CheckpointCommit.StateFileName(name, step);
        head.WriteWeights(name, step, metadata);
        if (adam is not null)
        {
            var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (key, t) in NetworkWeights.ReferenceStateDict(head.Model)) state["param/" + key] = t;
            foreach (var (key, t) in adam.FirstMoments) state["adam_m/" + key] = t;
            foreach (var (key, t) in adam.SecondMoments) state["adam_v/" + key] = t;
            if (head.AverageModel is { } average)
                foreach (var (key, t) in NetworkWeights.ReferenceStateDict(average)) state["ema/" + key] = t;
            SafeTensors.Save(Path.Combine(head.Folder, stateName!), state, metadata);
        }
        var manifest = head.Describe(name, step);
        manifest["format"] = head.Format;
        manifest["step"] = step;
        manifest["state"] = stateName;
        manifest["seconds"] = Math.Round(seconds, 3);
        AtomicFile.WriteAllText(ManifestPath(head.Folder, name), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (stateName is not null) CheckpointCommit.RemoveOtherStates(head.Folder, name, stateName);
    }

    /// <summary>
    /// Reads and checks a manifest without loading anything: the format, the step within 0…<paramref name="steps"/>, the
    /// state a file name beside it, the seconds finite.
    /// </summary>
    /// <exception cref="DsdException">No manifest there (InvalidInput); one that is malformed or out of range (Weights), naming the field.</exception>
    public static JsonObject ReadManifest(string path, string format, long? steps)
    {
        if (!File.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: checkpoint not found");
        InputFile.RequireRegular(path, DsdErrorKind.Weights);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException e) { throw new DsdException(DsdErrorKind.Weights, $"{path}: not a checkpoint manifest: {e.Message}", e); }
        if (json["format"] is not JsonValue f || !f.TryGetValue<string>(out var found) || found != format)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: not a {format} checkpoint");
        _ = Integer(path, json, "step", 0, steps ?? long.MaxValue) ?? throw Field(path, "step", "missing");
        if (json["state"] is { } state && !(state is JsonValue sv && sv.TryGetValue<string>(out var name) && name.Length > 0 && Path.GetFileName(name) == name))
            throw Field(path, "state", $"{state.ToJsonString()} is not a file name beside the manifest");
        if (json["seconds"] is { } s && !(s is JsonValue v && v.TryGetValue<double>(out var seconds) && double.IsFinite(seconds) && seconds >= 0))
            throw Field(path, "seconds", $"{s.ToJsonString()} is not a finite number ≥ 0");
        return json;
    }

    /// <summary>An optional integer field within [least, most].</summary>
    public static long? Integer(string path, JsonObject json, string key, long least, long most) => json[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<long>(out var n) && n >= least && n <= most => n,
        var other => throw Field(path, key, $"{other.ToJsonString()} is not an integer in {least}…{most}"),
    };

    public static DsdException Field(string path, string key, string problem) => new(DsdErrorKind.Weights, $"{path}: field '{key}': {problem}");

    /// <summary>Restores the model, the average and Adam's moments from the state a manifest names; returns its step, seconds and fields.</summary>
    public static (long Step, double Seconds, JsonObject Manifest) Load(string manifestPath, TrainingHead head, Adam adam)
    {
        var json = ReadManifest(manifestPath, head.Format, head.Steps);
        var step = (long)json["step"]!;
        var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var stateName = (string?)json["state"]
            ?? throw new DsdException(DsdErrorKind.Weights, $"{manifestPath}: this checkpoint has no optimiser state (a 'best' checkpoint?); resume from 'last'");
        var statePath = Path.Combine(folder, stateName);
        if (!File.Exists(statePath)) throw new DsdException(DsdErrorKind.Weights, $"{statePath}: optimiser state not found (named by {manifestPath})");
        InputFile.RequireRegular(statePath, DsdErrorKind.Weights);
        CheckpointCommit.RequireSameStep(statePath, SafeTensors.LoadMetadata(statePath), step, manifestPath);
        var state = SafeTensors.Load(statePath);
        try
        {
            NetworkWeights.Load(head.Model, Under(state, "param/"), statePath);
            if (head.AverageModel is { } average)
            {
                var e = Under(state, "ema/");
                if (e.Count == 0) throw new DsdException(DsdErrorKind.Weights, $"{statePath}: the run kept no weight average; resume with ema = 0");
                NetworkWeights.Load(average, e, statePath);
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
        var seconds = json["seconds"] is JsonValue s && s.TryGetValue<double>(out var value) ? value : 0;
        return (step, seconds, json);
    }

    static Dictionary<string, Tensor> Under(Dictionary<string, Tensor> state, string prefix) =>
        state.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
