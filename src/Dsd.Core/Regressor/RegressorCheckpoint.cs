using System.Text.Json;
using Dsd.Networks;
using Dsd.Serialization;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// The files a psi training run writes in its output folder, each replaced atomically:
/// <list type="bullet">
/// <item><c>checkpoint.safetensors</c> — everything a resume needs, in one file so it can never be half-updated:
/// <c>model/…</c> and <c>ema/…</c> (psi and its weight average, reference names), <c>adam/m/…</c>, <c>adam/v/…</c> (Adam's
/// moments); metadata <c>config</c> (<see cref="RegressorTrainingConfig"/> as JSON) and <c>state</c>
/// (<see cref="RegressorState"/> as JSON: step, running sums).</item>
/// <item><c>psi.safetensors</c>, <c>psi_ema.safetensors</c> — the weights alone in the reference layout, for
/// <c>dsd score --metrics noref-dsd --regressor</c>; metadata <c>alpha</c> and <c>step</c>.</item>
/// <item><c>snapshots/step-NNNNNNN.safetensors</c> — the weights scored at each save (the average when one is kept), never
/// overwritten, so that a run's last checkpoints can be compared or averaged afterwards.</item>
/// </list>
/// </summary>
public static class RegressorCheckpoint
{
    public const string FileName = "checkpoint.safetensors";
    public const string WeightsFileName = "psi.safetensors";
    public const string AverageFileName = "psi_ema.safetensors";
    public const string SnapshotFolder = "snapshots";

    /// <summary>The snapshot written at <paramref name="step"/>.</summary>
    public static string SnapshotPath(string folder, long step) =>
        Path.Combine(folder, SnapshotFolder, $"step-{step:D7}.safetensors");

    static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void Save(string folder, RegressorTrainingConfig config, RegressorState state,
        NoReferenceRegressor model, NoReferenceRegressor? average, Adam adam)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in NetworkWeights.ReferenceStateDict(model)) tensors["model/" + k] = v;
        if (average is not null)
            foreach (var (k, v) in NetworkWeights.ReferenceStateDict(average)) tensors["ema/" + k] = v;
        foreach (var (k, v) in adam.State("adam/")) tensors[k] = v;
        SafeTensors.Save(Path.Combine(folder, FileName), tensors, new Dictionary<string, string>
        {
            ["config"] = JsonSerializer.Serialize(config, Json),
            ["state"] = JsonSerializer.Serialize(state, Json),
        });
        var meta = new Dictionary<string, string>
        {
            ["alpha"] = config.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["step"] = state.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var weights = NetworkWeights.ReferenceStateDict(model);
        SafeTensors.Save(Path.Combine(folder, WeightsFileName), weights, meta);
        // The snapshot holds the weights that would be scored: the average when one is kept.
        var scored = average is null ? weights : NetworkWeights.ReferenceStateDict(average);
        if (average is not null) SafeTensors.Save(Path.Combine(folder, AverageFileName), scored, meta);
        Directory.CreateDirectory(Path.Combine(folder, SnapshotFolder));
        SafeTensors.Save(SnapshotPath(folder, state.Step), scored, meta);
    }

    /// <summary>
    /// The configuration and state stored in <paramref name="folder"/>'s checkpoint, checked before they size any work:
    /// the config's ranges (batch size at most <see cref="RegressorTrainingConfig.MaxBatchSize"/>), the step within
    /// 0…steps, the four-layer sums of length 4 and finite, the counts not negative.
    /// </summary>
    /// <exception cref="DsdException">No checkpoint there (InvalidInput); one that is unreadable, malformed or out of range (Weights), naming the field.</exception>
    public static (RegressorTrainingConfig Config, RegressorState State) ReadHeader(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: no checkpoint to resume from");
        Dictionary<string, string> meta;
        try { meta = SafeTensors.LoadMetadata(path); }
        catch (DsdException e) when (e.Kind == DsdErrorKind.InvalidInput) { throw new DsdException(DsdErrorKind.Weights, e.Message, e); }
        RegressorTrainingConfig config;
        RegressorState state;
        try
        {
            config = JsonSerializer.Deserialize<RegressorTrainingConfig>(meta["config"], Json) ?? throw new JsonException("config is null");
            state = JsonSerializer.Deserialize<RegressorState>(meta["state"], Json) ?? throw new JsonException("state is null");
        }
        catch (Exception e) when (e is KeyNotFoundException or JsonException or NotSupportedException)
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: not a psi training checkpoint ({e.Message})");
        }
        try { config.Validate(); }
        catch (DsdException e) { throw new DsdException(DsdErrorKind.Weights, $"{path}: config {e.Message.TrimStart('-')}", e); }
        Check(path, state, config.Steps);
        return (config, state);
    }

    /// <summary>The state's fields against what the loop assumes of them.</summary>
    /// <exception cref="DsdException">Weights, naming the file and the field.</exception>
    public static void Check(string path, RegressorState state, long? steps)
    {
        void Require(bool ok, string field, string what)
        {
            if (!ok) throw new DsdException(DsdErrorKind.Weights, $"{path}: state field {field} {what}");
        }
        Require(state.Step >= 0 && (steps is null || state.Step <= steps), "Step", $"is {state.Step}, outside 0…{steps?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "steps"}");
        Require(double.IsFinite(state.Seconds) && state.Seconds >= 0, "Seconds", "must be a finite number ≥ 0");
        Require(state.TargetCount >= 0 && state.IntervalSteps >= 0 && state.IntervalSamples >= 0, "TargetCount/IntervalSteps/IntervalSamples", "must not be negative");
        Require(double.IsFinite(state.IntervalLoss), "IntervalLoss", "must be finite");
        foreach (var (field, values) in new[] { ("TargetSum", state.TargetSum), ("IntervalSquaredError", state.IntervalSquaredError), ("IntervalConstantSquaredError", state.IntervalConstantSquaredError) })
            Require(values is { Length: 4 } && values.All(double.IsFinite), field, $"must be 4 finite numbers (one per layer), got {(values is null ? "none" : $"{values.Length}")}");
    }

    /// <summary>Restores weights, weight average and Adam moments from <paramref name="folder"/>'s checkpoint.</summary>
    public static void LoadTensors(string folder, NoReferenceRegressor model, NoReferenceRegressor? average, Adam adam)
    {
        var path = Path.Combine(folder, FileName);
        var tensors = SafeTensors.Load(path);
        try
        {
            NetworkWeights.Load(model, Under(tensors, "model/"), path + " model/");
            if (average is not null) NetworkWeights.Load(average, Under(tensors, "ema/"), path + " ema/");
            adam.Load(tensors, "adam/", path);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    static Dictionary<string, Tensor> Under(Dictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
