using Dsd.Training;
namespace Dsd.Regressor;

/// <summary>
/// Settings of a psi training run (docs/method.md §3); defaults follow the reference recipe (batch 16, 80×80 inputs, Adam lr 2e-4,
/// ×0.5 step decay). Stored in every checkpoint, so a resumed run continues with exactly these values.
/// </summary>
public sealed record RegressorTrainingConfig
{
    /// <summary>Folders of natural training images (all supported files in each, sorted by name).</summary>
    public IReadOnlyList<string> Train { get; init; } = [];

    /// <summary>Held-out folders for validation RMSE (never the test sets); empty for none.</summary>
    public IReadOnlyList<string> Val { get; init; } = [];

    /// <summary>What psi predicts: the norms by MSE (the paper's) or a log-normal per layer by Gaussian NLL.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<Networks.RegressorTarget>))]
    public Networks.RegressorTarget Target { get; init; } = Networks.RegressorTarget.Norm;

    /// <summary>Downscale factor α: 2 or 4.</summary>
    public double Alpha { get; init; } = 4;

    /// <summary>Side of psi's input crop; the full-resolution crop that gives the targets is Crop·α.</summary>
    public int Crop { get; init; } = 80;

    /// <summary>The largest batch: a step of 1024 crops of 320² through VGG19 already needs tens of GB.</summary>
    public const int MaxBatchSize = 1024;

    /// <summary>The largest crop bank: each entry is a crop run through VGG19 once, a million of them hours of work.</summary>
    public const int MaxBank = 1_000_000;

    /// <summary>The most validation crops per image.</summary>
    public const int MaxValidationCrops = 1000;

    /// <summary>Crops per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Total optimiser steps; when null, <see cref="Epochs"/> × items per epoch / batch.</summary>
    public long? Steps { get; init; }

    /// <summary>Epochs (passes over the images, or over the bank); used when <see cref="Steps"/> is null.</summary>
    public double? Epochs { get; init; }

    public double Lr { get; init; } = 2e-4;

    /// <summary>Learning-rate factor at each decay.</summary>
    public double LrGamma { get; init; } = 0.5;

    /// <summary>Steps between decays; when null, 40% of the total (the reference decays at epoch 800 of 2000).</summary>
    public long? LrStep { get; init; }

    public long Seed { get; init; }

    /// <summary>Decay of the weight average (e.g. 0.999); 0 keeps no average.</summary>
    public double Ema { get; init; }

    /// <summary>Entries of the precomputed crop bank; 0 computes the targets of fresh crops at every step.</summary>
    public int Bank { get; init; }

    /// <summary>Fixed validation crops per validation image.</summary>
    public int ValCrops { get; init; } = 4;

    /// <summary>Steps between log rows (with validation); when null, one epoch.</summary>
    public long? ValEvery { get; init; }

    /// <summary>Steps between checkpoints (one is always written at the end).</summary>
    public long SaveEvery { get; init; } = 500;

    /// <summary>Fills in the derived defaults for a source of <paramref name="itemsPerEpoch"/> items.</summary>
    public RegressorTrainingConfig Resolve(int itemsPerEpoch)
    {
        var perEpoch = Math.Max(1, (long)Math.Ceiling((double)itemsPerEpoch / BatchSize));
        var steps = Steps ?? (long)Math.Ceiling((Epochs ?? 1) * itemsPerEpoch / BatchSize);
        return this with
        {
            Steps = Math.Max(1, steps),
            LrStep = LrStep ?? Math.Max(1, (long)Math.Round(0.4 * Math.Max(1, steps))),
            ValEvery = ValEvery ?? perEpoch,
        };
    }

    /// <summary>Checks ranges; throws <see cref="DsdException"/> (InvalidInput) naming the setting.</summary>
    public void Validate()
    {
        if (!Networks.NoReferenceRegressor.IsTrainedFor(Alpha)) Fail("alpha", $"must be {string.Join(" or ", Networks.NoReferenceRegressor.Alphas)}");
        if (Crop < 8) Fail("crop", "must be at least 8");
        if (BatchSize < 2) Fail("batch-size", "must be at least 2 (BatchNorm needs more than one sample)");
        if (BatchSize > MaxBatchSize) Fail("batch-size", $"must be at most {MaxBatchSize}, got {BatchSize}");
        // The same bounds as the flags (a config file or a checkpoint must not size more work than the command line may).
        if (Steps is < 1 or > WorkLimits.MaxSteps) Fail("steps", $"must be between 1 and {WorkLimits.MaxSteps}, got {Steps}");
        if (Crop > 1024) Fail("crop", $"must be at most 1024, got {Crop}");
        if (Epochs is > 1e6) Fail("epochs", $"must be at most 1000000, got {Epochs}");
        if (LrStep is > WorkLimits.MaxSteps || ValEvery is > WorkLimits.MaxSteps || SaveEvery > WorkLimits.MaxSteps)
            Fail("lr-step/val-every/save-every", $"must be at most {WorkLimits.MaxSteps}");
        if (Epochs is not null && !(Epochs > 0)) Fail("epochs", "must be positive");
        if (!(Lr > 0)) Fail("lr", "must be positive");
        if (!(LrGamma > 0 && LrGamma <= 1)) Fail("lr-gamma", "must be in (0, 1]");
        if (LrStep is < 1) Fail("lr-step", "must be positive");
        if (!(Ema >= 0 && Ema < 1)) Fail("ema", "must be in [0, 1)");
        if (Bank < 0 || Bank > MaxBank) Fail("bank", $"must be 0 (on the fly) or a count up to {MaxBank}, got {Bank}");
        if (ValCrops < 1 || ValCrops > MaxValidationCrops) Fail("val-crops", $"must be between 1 and {MaxValidationCrops}, got {ValCrops}");
        if (ValEvery is < 1) Fail("val-every", "must be positive");
        if (SaveEvery < 1) Fail("save-every", "must be positive");
        if (Train.Count == 0) Fail("train", "at least one folder is required");
    }

    /// <summary>A config file (<see cref="TrainingConfigJson"/>: snake_case keys named like the flags).</summary>
    public static RegressorTrainingConfig FromJson(string json, string source) => TrainingConfigJson.Read<RegressorTrainingConfig>(json, source);

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, TrainingConfigJson.Options);

    static void Fail(string name, string what) => throw new DsdException(DsdErrorKind.Usage, $"--{name}: {what}");
}
