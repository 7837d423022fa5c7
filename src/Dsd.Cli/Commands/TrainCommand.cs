using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Restoration;
using Dsd.Training;
using Dsd.Quality;
using Dsd.Weights;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd train sr|deblur --config FILE.json [--FIELD VALUE …] [--resume CKPT]</c>: every config field is also a flag
/// (<c>batch_size</c> ↔ <c>--batch-size</c>); flags override the file, which overrides the defaults.
/// </summary>
internal static class TrainCommand
{
    static readonly Dictionary<string, string> Help = new()
    {
        ["train"] = "Training folder: HR/+LR/, *_HR/*_LR, sharp/+blur/, *_gt beside blurred, or targets only (inputs made on the fly)",
        ["val"] = "Validation folder (same layouts): PSNR-Y, SSIM, DSD every --val-every steps",
        ["out"] = "Output folder: last/best checkpoints, train.csv, val.csv, samples/",
        ["blocks"] = "Residual blocks (10, or 5 for the light network)",
        ["steps"] = "Total optimisation steps",
        ["batch_size"] = "Patches per batch",
        ["lr"] = "Initial learning rate (Adam)",
        ["beta1"] = "Adam β1",
        ["beta2"] = "Adam β2 (0.99 in the SR recipe)",
        ["eps"] = "Adam ε",
        ["seed"] = "Seed of initialisation and of every batch (runs are reproducible)",
        ["crop"] = "Input patch side in pixels (LR side for sr)",
        ["schedule"] = "Learning-rate schedule: step or cosine",
        ["lr_step"] = "Steps between learning-rate decays (step schedule)",
        ["lr_gamma"] = "Learning-rate factor per decay (step schedule)",
        ["lr_min"] = "Final learning rate (cosine schedule)",
        ["ema"] = "EMA decay of the weights (0: off); checkpoints then hold the average, which starts at the initial weights (0.999 keeps 37 % of them after 1,000 steps)",
        ["zero_tail"] = "Start a fresh network with its last conv at zero, i.e. as its skip path (bilinear ×4 for sr, the identity for deblur), not skip + random noise (true/false)",
        ["clip_grad"] = "Largest global gradient norm (0: off)",
        ["perceptual_layer"] = "VGG19 tap of the perceptual loss (default conv5_4; relu2_2 when the weights stop earlier)",
        ["dsd_layers"] = "VGG19 layers of the dsd loss",
        ["dsd_alphas"] = "Downscale factors α of the dsd loss",
        ["init"] = "Start from these weights (two-stage recipe: the PSNR-stage checkpoint; ours or a reference state dict)",
        ["val_every"] = "Validate (and save last) every N steps",
        ["val_max"] = "Validation images used at most (0: all)",
        ["samples"] = "Validation outputs saved per validation",
        ["save_every"] = "Also save last every N steps (0: at validation and the end only)",
        ["best_metric"] = "Validation score choosing the best checkpoint: psnr-y, ssim or dsd",
        ["log_every"] = "Log a train.csv row every N steps",
        ["augment"] = "Random flips and transposition (true/false)",
        ["dequantize"] = "Uniform noise of one grey level on inputs (true/false)",
        ["blur_kernel"] = "Side of synthetic motion-blur kernels (odd)",
        ["blur_noise"] = "Largest σ of noise added to synthetic blur",
        ["queue"] = "Batches prepared ahead on the loader thread",
        ["device"] = "cpu, cuda or cuda:N",
    };

    public static Command Create()
    {
        var command = new Command("train", "Train a restoration network with L1 / perceptual / DSD losses (the paper's recipe), or psi, the regressor of the no-reference measure");
        foreach (var task in RestorationTask.All)
            command.Subcommands.Add(Task(task, $"Train {task.Network.Summary} ({task.Title}); Ctrl+C saves a checkpoint"));
        command.Subcommands.Add(TrainRegressorCommand.Create());
        command.Subcommands.Add(TrainCalibrationCommand.Create());
        return command;
    }

    static Command Task(RestorationTask task, string description)
    {
        var config = new Option<string?>("--config") { Description = "Training config (JSON, snake_case fields as the flags below)", HelpName = "FILE" };
        var resume = new Option<string?>("--resume") { Description = "Continue exactly from a 'last' checkpoint (its .json, or the run folder); its config is the base", HelpName = "CKPT" };
        var strict = CommonOptions.Strict("train on the others");
        var command = new Command(task.Name, description) { config, resume, strict, VggWeightsOption.Create() };
        var fields = new List<(PropertyInfo Property, string Key, Option<string?> Option)>();
        foreach (var property in typeof(RestorationTrainingConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is nameof(RestorationTrainingConfig.Task) or nameof(RestorationTrainingConfig.Losses) || !property.CanWrite) continue;
            var key = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            var option = new Option<string?>("--" + key.Replace('_', '-'))
            {
                Description = Help.TryGetValue(key, out var text) ? text : $"Config field {key}",
                HelpName = Type.GetTypeCode(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType) switch
                {
                    TypeCode.Int32 => "N",
                    TypeCode.Double => "X",
                    TypeCode.Boolean => "true|false",
                    _ => "TEXT",
                },
            };
            command.Options.Add(option);
            fields.Add((property, key, option));
        }
        // One weight flag per catalogue loss (--l1, --dsd, --multi-scale-style, …), into the config's "losses" map.
        var lossOptions = MetricCatalog.Losses.Select(e => (e.Name, Option: new Option<string?>("--" + e.Name)
        {
            Description = $"Weight of the {e.Name} loss: {e.Description}" + (e.Name switch { "l1" => " (default 1)", "dsd" => " (100 in the perceptual stage)", _ => "" }),
            HelpName = "X",
        })).ToList();
        foreach (var (_, option) in lossOptions) command.Options.Add(option);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var resumePath = parse.GetValue(resume);
            // A run folder stands for its "last" checkpoint, as in dsd train regressor --resume DIR.
            if (resumePath is not null && Directory.Exists(resumePath)) resumePath = Path.Combine(resumePath, "last.json");
            var configPath = parse.GetValue(config);
            JsonObject node;
            if (configPath is not null)
            {
                if (!File.Exists(configPath) && !Directory.Exists(configPath)) throw new DsdException(DsdErrorKind.InvalidInput, $"{configPath}: config file not found");
                Serialization.InputFile.RequireRegular(configPath, DsdErrorKind.InvalidInput);
                node = JsonNode.Parse(RestorationTrainingConfig.FromJson(File.ReadAllText(configPath), configPath).ToJson())!.AsObject();
            }
            else if (resumePath is not null) node = JsonNode.Parse(RestorationCheckpoint.ReadSidecar(resumePath).Config.ToJson())!.AsObject();
            else node = new JsonObject();
            node["task"] = task.Name;
            foreach (var (property, key, option) in fields)
                if (parse.GetValue(option) is { } value) node[key] = Convert(value, property.PropertyType, option.Name);
            foreach (var (name, option) in lossOptions)
                if (parse.GetValue(option) is { } value)
                {
                    var losses = node["losses"] as JsonObject ?? new JsonObject { ["l1"] = 1 };
                    losses[name] = Convert(value, typeof(double), option.Name);
                    node["losses"] = losses;
                }
            var settings = RestorationTrainingConfig.FromJson(node.ToJsonString(), configPath ?? "command line");
            settings.Validate();

            using var vgg = LoadVgg(parse, settings);
            using var interrupt = new TrainingInterrupt();
            List<string>? unreadable = parse.GetValue(strict) ? null : [];
            var trainer = new RestorationTrainer(settings, vgg)
            {
                Log = CliRunner.Info,
                Progress = p =>
                {
                    if (p.Logged) CliRunner.Info(FormattableString.Invariant($"step {p.Done}/{p.Total}  loss {p.Loss:G5}  lr {p.LearningRate:G3}  {p.SecondsPerStep:F3} s/step"));
                },
                Unreadable = unreadable,
            };
            var result = trainer.Run(resumePath, interrupt.Token);
            CliRunner.Info($"{(result.Interrupted ? "stopped" : "finished")} at step {result.Step}, {result.SecondsPerStep:F3} s/step; checkpoint {result.Checkpoint}");
            return CommonOptions.Unreadable(unreadable ?? [], result.Interrupted ? CliRunner.Interrupted : CliRunner.Ok);
        }));
        return command;
    }

    static JsonNode? Convert(string value, Type type, string option)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        try
        {
            return Type.GetTypeCode(t) switch
            {
                TypeCode.Int32 => JsonValue.Create(int.Parse(value, CultureInfo.InvariantCulture)),
                TypeCode.Double => JsonValue.Create(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture)),
                TypeCode.Boolean => JsonValue.Create(bool.Parse(value)),
                _ => JsonValue.Create(value),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new DsdException(DsdErrorKind.Usage, $"{option}: '{value}' is not a valid {t.Name.ToLowerInvariant()}");
        }
        catch (OverflowException)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{option}: '{value}' is out of range");
        }
    }

    /// <summary>VGG19 for the VGG losses (the built-in subset up to relu3_1, downloaded beyond), and for DSD validation.</summary>
    static VggWeights? LoadVgg(ParseResult parse, RestorationTrainingConfig settings)
    {
        var options = settings.LossOptions(null, TorchSharp.torch.CPU);
        // Validation reports DSD too, which needs only the layers up to relu3_1 (always available).
        var validation = settings.Val is null ? -1 : MetricCatalog.DeepestVggIndex([MetricCatalog.Metric("dsd")], new MetricOptions());
        return VggWeightsOption.LoadFor(parse, weights =>
            Math.Max(validation, MetricCatalog.DeepestVggIndex(settings.ActiveLosses().Select(l => l.Loss), options, weights)));
    }
}
