using System.Text.Json.Nodes;
using Dsd.Features;
using Dsd.Regressor;
using Dsd.Serialization;
using Dsd.Training;
using static TorchSharp.torch;

namespace Dsd.Tests.Training;

/// <summary>psi training runs as the tests start, resume and inspect them.</summary>
internal static class PsiRuns
{
    public static TrainingResult Start(RegressorTrainingConfig config, string folder, Vgg19Features vgg, Device device,
        Action<TrainingProgress>? progress = null, CancellationToken cancel = default) =>
        new RegressorTrainer(config, folder, vgg, device) { Progress = progress }.Run(resume: false, cancel);

    /// <summary>Continues the run in <paramref name="folder"/> with its stored settings (and a new total of <paramref name="steps"/>).</summary>
    public static TrainingResult Resume(string folder, Vgg19Features vgg, Device device, long? steps = null)
    {
        var config = RegressorCheckpoint.ReadManifest(folder).Config;
        if (steps is { } s) config = config with { Steps = s };
        return new RegressorTrainer(config, folder, vgg, device).Run(resume: true);
    }

    /// <summary>The manifest of the run's "last" checkpoint.</summary>
    public static JsonObject Manifest(string folder) => JsonNode.Parse(File.ReadAllText(RegressorCheckpoint.ManifestPath(folder)))!.AsObject();

    /// <summary>The resumable state the manifest names: param/, ema/, adam_m/, adam_v/.</summary>
    public static Dictionary<string, Tensor> State(string folder) => SafeTensors.Load(Path.Combine(folder, (string)Manifest(folder)["state"]!));

    /// <summary>Rewrites the manifest with field <paramref name="field"/> of its object <paramref name="key"/> ("counters", "config") set to <paramref name="value"/> (removed when null).</summary>
    public static void EditManifest(string folder, string key, string field, string? value)
    {
        var manifest = Manifest(folder);
        var node = manifest[key]!.AsObject();
        if (value is null) node.Remove(field);
        else node[field] = JsonNode.Parse(value);
        File.WriteAllText(RegressorCheckpoint.ManifestPath(folder), manifest.ToJsonString());
    }
}
