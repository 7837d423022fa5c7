using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Networks;
using Dsd.Serialization;
using Dsd.Training;
using static TorchSharp.torch;

namespace Dsd.Regressor;

/// <summary>
/// The files a psi training run writes in its folder (a <see cref="TrainingCheckpoint"/> named "last"):
/// <list type="bullet">
/// <item><c>last.json</c> — the manifest, renamed into place last (the commit point): step, the state file it names,
/// <c>config</c> (<see cref="RegressorTrainingConfig"/>) and <c>counters</c> (<see cref="RegressorState"/>: running sums).</item>
/// <item><c>last.state.step-NNNNNNN.safetensors</c> — what a resume needs: <c>param/…</c> and <c>ema/…</c> (psi and its
/// weight average, reference names), <c>adam_m/…</c>, <c>adam_v/…</c>.</item>
/// <item><c>psi.safetensors</c>, <c>psi_ema.safetensors</c> — the weights alone in the reference layout, for
/// <c>dsd score --metrics noref-dsd --regressor</c>; metadata <c>alpha</c> and <c>step</c>.</item>
/// <item><c>snapshots/step-NNNNNNN.safetensors</c> — the weights scored at each save (the average when one is kept), never
/// overwritten, so that a run's last checkpoints can be compared or averaged afterwards.</item>
/// </list>
/// </summary>
public static class RegressorCheckpoint
{
    public const string Format = "dsd-psi-checkpoint/2";
    public const string WeightsFileName = "psi.safetensors";
    public const string AverageFileName = "psi_ema.safetensors";
    public const string SnapshotFolder = "snapshots";

    /// <summary>The single-file checkpoint of runs written before the shared training run; not resumable now.</summary>
    const string OldFileName = "checkpoint.safetensors";

    /// <summary>The manifest <c>--resume</c> reads in <paramref name="folder"/>.</summary>
    public static string ManifestPath(string folder) => TrainingCheckpoint.ManifestPath(folder, "last");

    /// <summary>The snapshot written at <paramref name="step"/>.</summary>
    public static string SnapshotPath(string folder, long step) =>
        Path.Combine(folder, SnapshotFolder, $"step-{step:D7}.safetensors");

    /// <summary>Writes psi's weights, its average's, and the snapshot of the weights that would be scored.</summary>
    public static void WriteWeights(string folder, long step, NoReferenceRegressor model, NoReferenceRegressor? average, Dictionary<string, string> metadata)
    {
        var weights = NetworkWeights.ReferenceStateDict(model);
        SafeTensors.Save(Path.Combine(folder, WeightsFileName), weights, metadata);
        var scored = average is null ? weights : NetworkWeights.ReferenceStateDict(average);
        if (average is not null) SafeTensors.Save(Path.Combine(folder, AverageFileName), scored, metadata);
        Directory.CreateDirectory(Path.Combine(folder, SnapshotFolder));
        SafeTensors.Save(SnapshotPath(folder, step), scored, metadata);
    }

    /// <summary>Refuses to start a new run in a folder that already holds one.</summary>
    public static void RequireNone(string folder)
    {
        if (File.Exists(ManifestPath(folder)) || File.Exists(Path.Combine(folder, OldFileName)))
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{folder} already holds a checkpoint: pass --resume to continue it, or choose another --out");
    }

    /// <summary>
    /// The configuration and counters of <paramref name="folder"/>'s checkpoint, checked before they size any work: the
    /// config's ranges (batch size at most <see cref="RegressorTrainingConfig.MaxBatchSize"/>), the step within 0…steps,
    /// the four-layer sums of length 4 and finite, the counts not negative.
    /// </summary>
    /// <exception cref="DsdException">No checkpoint there (InvalidInput); one that is unreadable, malformed or out of range (Weights), naming the field.</exception>
    public static (RegressorTrainingConfig Config, RegressorState Counters) ReadManifest(string folder)
    {
        var path = ManifestPath(folder);
        if (!File.Exists(path) && File.Exists(Path.Combine(folder, OldFileName)))
            throw new DsdException(DsdErrorKind.Weights,
                $"{Path.Combine(folder, OldFileName)}: a checkpoint of an earlier dsd, which this version does not resume; its {WeightsFileName} still scores");
        if (!File.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: no checkpoint to resume from");
        var json = TrainingCheckpoint.ReadManifest(path, Format, steps: null);
        RegressorTrainingConfig config;
        try { config = json["config"].Deserialize<RegressorTrainingConfig>(TrainingConfigJson.Options) ?? throw new JsonException("config is null"); }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: not a psi training checkpoint ({e.Message})");
        }
        try { config.Validate(); }
        catch (DsdException e) { throw new DsdException(DsdErrorKind.Weights, $"{path}: config {e.Message.TrimStart('-')}", e); }
        return (config, Counters(json, path, config.Steps));
    }

    /// <summary>The manifest's counters, checked against what the loop assumes of them.</summary>
    /// <exception cref="DsdException">Weights, naming the file and the field.</exception>
    public static RegressorState Counters(JsonObject manifest, string path, long? steps)
    {
        RegressorState state;
        try { state = manifest["counters"].Deserialize<RegressorState>() ?? throw new JsonException("counters is null"); }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: not a psi training checkpoint ({e.Message})");
        }
        void Require(bool ok, string field, string what)
        {
            if (!ok) throw new DsdException(DsdErrorKind.Weights, $"{path}: counter {field} {what}");
        }
        var step = (long?)manifest["step"];
        Require(state.Step >= 0 && state.Step == step && (steps is null || state.Step <= steps), "Step",
            $"is {state.Step}, not the manifest's step within 0…{steps?.ToString(CultureInfo.InvariantCulture) ?? "steps"}");
        Require(state.TargetCount >= 0 && state.IntervalSteps >= 0 && state.IntervalSamples >= 0, "TargetCount/IntervalSteps/IntervalSamples", "must not be negative");
        Require(double.IsFinite(state.IntervalLoss), "IntervalLoss", "must be finite");
        foreach (var (field, values) in new[] { ("TargetSum", state.TargetSum), ("IntervalSquaredError", state.IntervalSquaredError), ("IntervalConstantSquaredError", state.IntervalConstantSquaredError) })
            Require(values is { Length: 4 } && values.All(double.IsFinite), field, $"must be 4 finite numbers (one per layer), got {(values is null ? "none" : $"{values.Length}")}");
        return state;
    }
}
