using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dsd.Dissimilarity;
using Dsd.Quality;
using Dsd.Weights;
using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>
/// Everything one training run needs, read from a JSON file (snake_case keys) and overridable field by field from
/// the command line. Defaults follow docs/method.md §5's ×4 SR recipe, PSNR stage (L1 only).
/// </summary>
public sealed record RestorationTrainingConfig
{
    /// <summary><c>sr</c> or <c>deblur</c>.</summary>
    public string Task { get; init; } = "sr";

    /// <summary>Training folder (paired or target-only; see <see cref="TrainingPairs"/>).</summary>
    public string? Train { get; init; }

    /// <summary>Validation folder (optional), same layouts.</summary>
    public string? Val { get; init; }

    /// <summary>Output folder: checkpoints, CSV logs, validation samples.</summary>
    public string? Out { get; init; }

    public int Blocks { get; init; } = 10;
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 16;

    /// <summary>Input patch side (LR pixels for SR).</summary>
    public int Crop { get; init; } = 48;

    public double Lr { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.99;
    public double Eps { get; init; } = 1e-8;

    /// <summary><c>step</c> (×<see cref="LrGamma"/> every <see cref="LrStep"/> steps) or <c>cosine</c> (to <see cref="LrMin"/>).</summary>
    public string Schedule { get; init; } = "step";

    public int LrStep { get; init; } = 200_000;
    public double LrGamma { get; init; } = 0.5;
    public double LrMin { get; init; }

    /// <summary>Decay of the exponential moving average of the weights; 0 turns it off. Checkpoints then hold the average.</summary>
    public double Ema { get; init; }

    /// <summary>Largest global gradient norm; 0 turns clipping off.</summary>
    public double ClipGrad { get; init; }

    /// <summary>
    /// Weight of each loss term, keyed by its catalogue name (<see cref="MetricCatalog.Losses"/>: l1, mse, perceptual, dsd,
    /// style, multi-scale-style, sliced-wasserstein, contextual); a loss left out weighs 0. Default: L1 alone.
    /// </summary>
    public IReadOnlyDictionary<string, double> Losses
    {
        get => losses;
        // Sorted by name, so that equal weights serialise (and compare) equal whatever order they were given in.
        init => losses = new SortedDictionary<string, double>(value.ToDictionary(), StringComparer.Ordinal);
    }

    SortedDictionary<string, double> losses = new(StringComparer.Ordinal) { ["l1"] = 1 };

    /// <summary>Two configs are equal when every setting is, the loss weights compared by content.</summary>
    public bool Equals(RestorationTrainingConfig? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);

    /// <summary>VGG tap of the perceptual loss; default conv5_4, or relu2_2 when the VGG weights stop earlier.</summary>
    public string? PerceptualLayer { get; init; }

    public string DsdLayers { get; init; } = "relu2_1,relu2_2,relu3_1";
    public string DsdAlphas { get; init; } = "2";

    /// <summary>Initial weights (the two-stage recipe: the PSNR-stage checkpoint), ours or a reference state dict.</summary>
    public string? Init { get; init; }

    /// <summary>A fresh network starts with its last convolution at zero, i.e. as its skip path (not with <see cref="Init"/>).</summary>
    public bool ZeroTail { get; init; }

    public int ValEvery { get; init; } = 500;

    /// <summary>Validation images used at most (0: all).</summary>
    public int ValMax { get; init; }

    /// <summary>Validation outputs saved as PNG per validation.</summary>
    public int Samples { get; init; } = 2;

    /// <summary>Checkpoint "last" every this many steps besides each validation (0: only at validation and the end).</summary>
    public int SaveEvery { get; init; }

    /// <summary>One of <see cref="Validator.Metrics"/> (<c>psnr-y</c>, <c>ssim</c>, <c>dsd</c>): the validation score that picks the "best" checkpoint.</summary>
    public string BestMetric { get; init; } = "psnr-y";

    public int LogEvery { get; init; } = 10;
    public int Seed { get; init; }
    public bool Augment { get; init; } = true;
    public bool Dequantize { get; init; } = true;
    public int BlurKernel { get; init; } = 21;
    public double BlurNoise { get; init; } = 0.01;

    /// <summary>Batches prepared ahead on the loader thread.</summary>
    public int Queue { get; init; } = 4;

    public string Device { get; init; } = "cpu";

    public static JsonSerializerOptions Json => TrainingConfigJson.Options;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// The same settings with every path absolute, as checkpoints store them, so that <c>--resume</c> works from any
    /// working directory.
    /// </summary>
    public RestorationTrainingConfig WithAbsolutePaths() => this with
    {
        Train = Absolute(Train),
        Val = Absolute(Val),
        Out = Absolute(Out),
        Init = Absolute(Init),
    };

    static string? Absolute(string? path) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path);

    /// <summary>The learning-rate schedule these settings describe.</summary>
    public LearningRateSchedule LearningRates() => new(Schedule, Lr, LrStep, LrGamma, LrMin, Steps);

    /// <summary>The settings the loss terms read (DSD layers and α, perceptual tap), with the resolved VGG19 weights.</summary>
    public MetricOptions LossOptions(VggWeights? weights, TorchSharp.torch.Device device) => new()
    {
        VggWeights = weights,
        Device = device,
        Dsd = DsdOptions.Parse(DsdLayers, DsdAlphas, "dsd_layers/dsd_alphas"),
        PerceptualLayer = PerceptualLayer,
    };

    /// <summary>The weight of every catalogue loss (<see cref="MetricCatalog.Losses"/>), 0 for those <see cref="Losses"/> leaves out.</summary>
    public IReadOnlyList<(MetricEntry Loss, double Weight)> LossWeights() =>
        MetricCatalog.Losses.Select(e => (e, Losses.TryGetValue(e.Name, out var w) ? w : 0)).ToList();

    /// <summary>A copy with the catalogue loss <paramref name="name"/> at <paramref name="weight"/>.</summary>
    /// <exception cref="DsdException">Not a catalogue loss (Usage, with the names that are).</exception>
    public RestorationTrainingConfig WithLossWeight(string name, double weight)
    {
        var entry = LossEntry(name) ?? throw new DsdException(DsdErrorKind.Usage, $"unknown loss '{name}'" + NameSuggestions.Hint(name, MetricCatalog.Losses.Select(e => e.Name)));
        return this with { Losses = new Dictionary<string, double>(Losses) { [entry.Name] = weight } };
    }

    /// <summary>The loss terms with a positive weight.</summary>
    public IReadOnlyList<(MetricEntry Loss, double Weight)> ActiveLosses() => LossWeights().Where(l => l.Weight > 0).ToList();

    static MetricEntry? LossEntry(string name) => MetricCatalog.Losses.FirstOrDefault(e => e.Name == name);

    /// <summary>Parses a config; unknown keys are errors (a typo must not silently fall back to a default).</summary>
    public static RestorationTrainingConfig FromJson(string json, string source)
    {
        try
        {
            return Upgrade(JsonNode.Parse(json) as JsonObject ?? throw new JsonException("not an object")).Deserialize<RestorationTrainingConfig>(Json)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{source}: not a training config: {e.Message}", e);
        }
    }

    /// <summary>
    /// Configs (and checkpoints) written before the loss map had one top-level field per loss (<c>"l1": 1, "dsd": 100</c>,
    /// L1 at 1 unless given): those fields move into <c>losses</c>, so old files read as they always did.
    /// </summary>
    static JsonObject Upgrade(JsonObject node)
    {
        var legacy = MetricCatalog.Losses.Where(e => node.ContainsKey(e.ConfigKey)).ToList();
        if (legacy.Count == 0) return node;
        if (node.ContainsKey("losses")) throw new JsonException($"both 'losses' and the old per-loss field '{legacy[0].ConfigKey}' are given; keep 'losses'");
        var losses = new JsonObject { ["l1"] = 1 };
        foreach (var e in legacy)
        {
            losses[e.Name] = node[e.ConfigKey]?.DeepClone();
            node.Remove(e.ConfigKey);
        }
        node["losses"] = losses;
        return node;
    }

    /// <summary>Checks ranges and names; the message names the offending field.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            // A setting out of range, typed as a flag or read from the config, is a usage mistake (exit 1).
            if (!ok) throw new DsdException(DsdErrorKind.Usage, message);
        }
        Require(Task is "sr" or "deblur", $"task: '{Task}' (use sr or deblur)");
        Require(!string.IsNullOrEmpty(Train), "train: a training folder is required");
        Require(!string.IsNullOrEmpty(Out), "out: an output folder is required");
        Require(Blocks >= 1 && Steps >= 1 && BatchSize >= 1 && Crop >= 1, "blocks, steps, batch_size and crop must be positive");
        Require(Blocks <= global::Dsd.Restoration.RestorationNetworks.MaxBlocks && Steps <= WorkLimits.MaxSteps && BatchSize <= WorkLimits.MaxBatch
            && (long)BatchSize * Crop * Crop <= WorkLimits.MaxBatchPixels,
            $"blocks at most {(global::Dsd.Restoration.RestorationNetworks.MaxBlocks)}, steps at most {WorkLimits.MaxSteps}, batch_size at most {WorkLimits.MaxBatch}, "
            + $"batch_size × crop² at most {WorkLimits.MaxBatchPixels} pixels (got {BatchSize} × {Crop}²)");
        Require(Lr > 0 && Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1 && Eps > 0, "lr must be positive, beta1 and beta2 in [0,1)");
        Require(LearningRateSchedule.Kinds.Contains(Schedule), $"schedule: '{Schedule}' (use step or cosine)");
        Require(LrStep >= 1 && LrGamma > 0, "lr_step must be positive and lr_gamma > 0");
        Require(Ema is >= 0 and < 1, "ema: a decay in [0,1), 0 for none");
        Require(!(ZeroTail && Init is not null), "zero_tail applies to a fresh network; init already gives every weight");
        Require(ClipGrad >= 0, "clip_grad: 0 for none, else the largest gradient norm");
        foreach (var name in Losses.Keys)
            Require(LossEntry(name) is not null, $"losses: unknown loss '{name}'" + NameSuggestions.Hint(name, MetricCatalog.Losses.Select(e => e.Name)));
        var weights = LossWeights();
        Require(weights.All(w => w.Weight >= 0 && double.IsFinite(w.Weight)), "loss weights must be ≥ 0");
        Require(weights.Any(w => w.Weight > 0), $"at least one loss weight must be positive ({string.Join(", ", weights.Select(w => w.Loss.Name))})");
        DsdOptions.Parse(DsdLayers, DsdAlphas, "dsd_layers/dsd_alphas");
        if (PerceptualLayer is not null) Weights.Vgg19Layers.IndexOf(PerceptualLayer);
        Require(ValEvery >= 1 && LogEvery >= 1 && Queue >= 1 && ValMax >= 0 && Samples >= 0 && SaveEvery >= 0, "val_every, log_every and queue must be positive");
        Require(Validator.Metrics.Contains(BestMetric), $"best_metric: '{BestMetric}' (use {string.Join(", ", Validator.Metrics)})");
        Require(BlurKernel >= 1 && BlurKernel % 2 == 1 && BlurNoise >= 0, "blur_kernel must be odd and positive, blur_noise ≥ 0");
    }
}
