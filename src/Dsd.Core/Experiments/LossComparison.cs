using Dsd.Restoration;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Experiments;

/// <summary>Settings of <see cref="LossComparison"/>: what is trained, for how long, and where.</summary>
public sealed record LossComparisonOptions
{
    /// <summary>Training folder (any layout <see cref="TrainingPairs"/> reads).</summary>
    public required string Train { get; init; }

    /// <summary>Validation folder: the images the table and the grid are made of.</summary>
    public required string Val { get; init; }

    /// <summary>Output folder: <c>runs/NAME/</c> per run, the table and the grid.</summary>
    public required string Out { get; init; }

    public IReadOnlyList<string> Losses { get; init; } = ComparisonLosses.Default;

    /// <summary>Weights replacing <see cref="ComparisonLosses.DefaultWeights"/> for some losses.</summary>
    public IReadOnlyDictionary<string, double> Weights { get; init; } = new Dictionary<string, double>();

    /// <summary>Steps of every loss's run.</summary>
    public int Steps { get; init; } = 300;

    /// <summary>Steps of a shared L1 stage every run starts from (0: start from <see cref="Init"/> or from scratch).</summary>
    public int PretrainSteps { get; init; }

    /// <summary>Weights every run starts from when there is no pretraining (null: the seeded random init).</summary>
    public string? Init { get; init; }

    /// <summary>Weight of L1 beside each loss (docs/method.md §5's perceptual stage keeps 1·L1).</summary>
    public double L1 { get; init; } = 1;

    public int Blocks { get; init; } = 5;
    public int BatchSize { get; init; } = 8;
    public int Crop { get; init; } = 24;
    public double Lr { get; init; } = 2e-4;
    public int Seed { get; init; }

    /// <summary>Checkpoint every this many steps, so an interrupted comparison resumes close to where it stopped.</summary>
    public int SaveEvery { get; init; } = 25;

    public string Device { get; init; } = "cpu";

    public double WeightOf(string loss) =>
        Weights.TryGetValue(loss, out var w) ? w
        : ComparisonLosses.DefaultWeights.TryGetValue(loss, out var d) ? d
        : throw new DsdException(DsdErrorKind.Usage, $"unknown loss '{loss}' (available: {string.Join(", ", ComparisonLosses.Names)})");

    public void Validate()
    {
        if (Losses.Count == 0) throw new DsdException(DsdErrorKind.Usage, "losses: at least one loss is required");
        foreach (var loss in Losses.Concat(Weights.Keys))
            if (!ComparisonLosses.Names.Contains(loss))
                throw new DsdException(DsdErrorKind.Usage, $"unknown loss '{loss}' (available: {string.Join(", ", ComparisonLosses.Names)})");
        if (Losses.Distinct().Count() != Losses.Count) throw new DsdException(DsdErrorKind.Usage, "losses: a loss is listed twice");
        if (Steps < 1 || PretrainSteps < 0 || SaveEvery < 1) throw new DsdException(DsdErrorKind.Usage, "steps and save-every must be positive, pretrain steps ≥ 0");
        if (PretrainSteps > 0 && Init is not null) throw new DsdException(DsdErrorKind.Usage, "give either an init checkpoint or pretraining steps, not both");
        if (Init is not null && !File.Exists(CheckpointFiles.WeightsPathOf(Init)))
            throw new DsdException(DsdErrorKind.InvalidInput, $"{Init}: init checkpoint not found");
    }
}

/// <summary>One run of the comparison: its name (a loss, or <c>pretrain</c>) and its config.</summary>
public sealed record ComparisonRun(string Name, RestorationTrainingConfig Config)
{
    public string Folder => Config.Out!;

    /// <summary>The checkpoint a finished or interrupted run leaves (its <c>.json</c> sidecar).</summary>
    public string LastCheckpoint => CheckpointFiles.Sidecar(Folder, "last");

    public string Weights => CheckpointFiles.Weights(Folder, "last");
}

/// <summary>Progress of one training step of one run.</summary>
public sealed record ComparisonProgress(string Run, long Step, long Steps, double Loss);

/// <summary>
/// The loss comparison (docs/method.md §6, supplementary Fig. 13): the light (5-block) xSRResNet trained with L1 plus each
/// loss in turn, every run from the same start (seeded init, or a shared L1 stage) and on the same batches (same
/// seed), for the same number of steps. Runs go through <see cref="RestorationTrainer"/>, so each is resumable: a finished run
/// is skipped, an interrupted one continues from its last checkpoint.
/// </summary>
public sealed class LossComparison(LossComparisonOptions options)
{
    public LossComparisonOptions Options { get; } = options;

    /// <summary>The runs in training order: the shared L1 stage first when there is one.</summary>
    public IReadOnlyList<ComparisonRun> Plan()
    {
        Options.Validate();
        var runs = new List<ComparisonRun>();
        var basis = new RestorationTrainingConfig
        {
            Task = "sr",
            Train = Path.GetFullPath(Options.Train),
            Blocks = Options.Blocks,
            BatchSize = Options.BatchSize,
            Crop = Options.Crop,
            Lr = Options.Lr,
            Seed = Options.Seed,
            Losses = new Dictionary<string, double> { ["l1"] = Options.L1 },
            Init = Options.Init is null ? null : Path.GetFullPath(Options.Init),
            SaveEvery = Options.SaveEvery,
            LogEvery = 1,
            ValEvery = int.MaxValue,
            Samples = 0,
            Device = Options.Device,
        };
        if (Options.PretrainSteps > 0)
        {
            var pretrain = new ComparisonRun("pretrain", basis with { Out = RunFolder("pretrain"), Steps = Options.PretrainSteps, Losses = new Dictionary<string, double> { ["l1"] = 1 } });
            runs.Add(pretrain);
            basis = basis with { Init = Path.GetFullPath(pretrain.Weights) };
        }
        foreach (var loss in Options.Losses)
            runs.Add(new ComparisonRun(loss, ComparisonLosses.With(basis with { Out = RunFolder(loss), Steps = Options.Steps }, loss, Options.WeightOf(loss))));
        foreach (var run in runs) run.Config.Validate();
        return runs;
    }

    string RunFolder(string name) => Path.Combine(Path.GetFullPath(Options.Out), "runs", name);

    /// <summary>The step a run's last checkpoint reached (0 when it has none).</summary>
    public static long StepReached(ComparisonRun run)
    {
        if (!File.Exists(run.LastCheckpoint)) return 0;
        var (saved, sidecar) = RestorationCheckpoint.ReadSidecar(run.LastCheckpoint);
        // Only the length of a run may change between invocations; anything else would mix two experiments.
        if (saved with { Steps = run.Config.Steps, Device = run.Config.Device } != run.Config)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{run.LastCheckpoint}: this run was trained with other settings; use another --out or delete {run.Folder}");
        return (long)sidecar["step"]!;
    }

    /// <summary>
    /// Trains every run not finished yet, in order. Returns false when <paramref name="cancel"/> stopped a run (its
    /// checkpoint is saved; the next call resumes it).
    /// </summary>
    /// <param name="vggWeights">VGG19 weights for the feature losses.</param>
    /// <param name="onProgress">Called after each step.</param>
    /// <param name="onMessage">Other lines of the trainer (resumption, notices).</param>
    /// <param name="cancel">Stops the current run after its step, saving its checkpoint.</param>
    public bool Train(VggWeights? vggWeights,
        Action<ComparisonProgress>? onProgress = null, Action<string>? onMessage = null, CancellationToken cancel = default)
    {
        foreach (var run in Plan())
        {
            var reached = StepReached(run);
            if (reached >= run.Config.Steps)
            {
                onMessage?.Invoke($"{run.Name}: finished earlier ({reached} steps), skipped");
                continue;
            }
            if (cancel.IsCancellationRequested) return false;
            var trainer = new RestorationTrainer(run.Config, vggWeights)
            {
                Log = line => onMessage?.Invoke($"{run.Name}: {line}"),
                // A point per log row, as the run's train.csv.
                Progress = p => { if (p.Logged) onProgress?.Invoke(new ComparisonProgress(run.Name, p.Done, p.Total, p.Loss ?? double.NaN)); },
            };
            var result = trainer.Run(reached > 0 ? run.LastCheckpoint : null, cancel);
            if (result.Interrupted) return false;
        }
        return true;
    }
}
