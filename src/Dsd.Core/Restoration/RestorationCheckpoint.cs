using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Networks;
using Dsd.Serialization;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// Restoration checkpoints (<see cref="CheckpointFiles"/>): a <see cref="TrainingCheckpoint"/> whose weights files are the
/// generator's as reference-named safetensors and as a torch.save zip (the EMA weights when EMA is on), and whose
/// manifest (the JSON sidecar) records the task, architecture, blocks, best score and the config. Reading a sidecar
/// gives the config a resume continues with.
/// </summary>
public static class RestorationCheckpoint
{
    public const string Format = "dsd-training-checkpoint/1";

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

    static long? Integer(string sidecar, JsonObject json, string key, long least, long most) => TrainingCheckpoint.Integer(sidecar, json, key, least, most);

    static DsdException Field(string sidecar, string key, string problem) => TrainingCheckpoint.Field(sidecar, key, problem);
}
