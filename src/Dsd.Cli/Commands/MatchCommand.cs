using System.CommandLine;
using System.Globalization;
using Dsd.Cli.Pictures;
using Dsd.Dissimilarity;
using Dsd.Experiments;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd match --content A --reference B</c>: fingerprint matching (docs/method.md §6, Fig. 11). Writes <c>content.png</c>,
/// <c>reference.png</c>, <c>result-dsd.png</c> (and <c>result-style.png</c>), <c>grid.png</c> and <c>loss.csv</c>.
/// </summary>
internal static class MatchCommand
{
    public static Command Create()
    {
        var content = new Option<string>("--content") { Description = "Start image A, whose pixels are optimised", Required = true, HelpName = "FILE" };
        var reference = new Option<string>("--reference") { Description = "Image B whose fingerprint A is made to match (any size)", Required = true, HelpName = "FILE" };
        var pairs = new Option<string>("--pairs")
        {
            Description = "Scale pairs FINE-COARSE: 1-2 is G(φ(x)) − G(φ(x↓2)), 2-4 is G(φ(x↓2)) − G(φ(x↓4))",
            DefaultValueFactory = _ => string.Join(",", ScalePair.Paper), HelpName = "LIST",
        };
        var layers = new Option<string>("--layers")
        {
            Description = "VGG19 layers of both objectives", DefaultValueFactory = _ => string.Join(",", DsdOptions.Fingerprint.Layers), HelpName = "LIST",
        };
        var steps = new Option<int>("--steps") { Description = "Adam steps per objective", DefaultValueFactory = _ => 500, HelpName = "N" };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate on the pixel logits (x = sigmoid(u))", DefaultValueFactory = _ => new MatchingOptions().LearningRate, HelpName = "X" };
        var compare = new Option<string?>("--compare") { Description = "Also run the same optimisation on the Gram (style) loss at the same scales", HelpName = "style" };
        compare.AcceptOnlyFromAmong("style");
        steps.Within(0, WorkLimits.MaxSteps);
        var maxSide = new Option<int>("--max-side")
        {
            Description = "Downscale (MATLAB bicubic) both images so their longer side is at most N pixels first; 0 keeps them (cost grows with the area)",
            DefaultValueFactory = _ => 0, HelpName = "N",
        };
        maxSide.Within(0, WorkLimits.MaxSide);
        var output = new Option<string>("--out", "-o") { Description = "Output folder", DefaultValueFactory = _ => "match", HelpName = "DIR" };
        var device = CommonOptions.Device();

        var command = new Command("match",
            "Fingerprint matching (the paper's experiment): optimise the pixels of A so that its DSD between scales matches B's; with --compare style, "
            + "the same on Gram matrices. Writes the results, a labelled grid.png and loss.csv (one row per step). Ctrl+C keeps what is done.\n\n"
            + "Example:\n  dsd match --content photos/chelsea.png --reference photos/gravel.png --compare style --steps 300 --max-side 256 --out match/")
        {
            content, reference, pairs, layers, steps, lr, compare, maxSide, output, device, VggWeightsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new MatchingOptions
            {
                Pairs = ScalePair.ParseList(parse.GetValue(pairs)!),
                Layers = CommonOptions.ParseList(parse.GetValue(layers)!),
                Steps = parse.GetValue(steps),
                LearningRate = parse.GetValue(lr),
            };
            options.Validate();
            foreach (var l in options.Layers) Vgg19Layers.IndexOf(l);
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var outDir = parse.GetValue(output)!;
            var side = parse.GetValue(maxSide);
            using var scope = NewDisposeScope();
            var a = Fit(ImageIo.Load(parse.GetValue(content)!, dev), side);
            var b = Fit(ImageIo.Load(parse.GetValue(reference)!, dev), side);
            using var weights = VggWeightsOption.Load(parse, options.Layers.Max(Vgg19Layers.IndexOf));
            using var vgg = new Vgg19Features(options.Layers, weights, dev);
            var objectives = parse.GetValue(compare) is null ? new[] { MatchingObjective.Dsd } : [MatchingObjective.Dsd, MatchingObjective.Style];

            return MatchAndWrite(vgg, options, objectives, a, b, outDir);
        }));
        return command;
    }

    /// <summary>Runs each objective from <paramref name="a"/> towards <paramref name="b"/>, writing the images, loss.csv and grid.png; 130 when interrupted.</summary>
    static int MatchAndWrite(Vgg19Features vgg, MatchingOptions options, IReadOnlyList<MatchingObjective> objectives, Tensor a, Tensor b, string outDir)
    {
        Directory.CreateDirectory(outDir);
        ImageIo.SavePng(a, Path.Combine(outDir, "content.png"));
        ImageIo.SavePng(b, Path.Combine(outDir, "reference.png"));
        using var interrupt = new TrainingInterrupt("writing the images reached");
        var results = new List<(MatchingObjective Objective, MatchingResult Result)>();
        try
        {
            using (var csv = new CsvTable(Path.Combine(outDir, "loss.csv"), "objective", "step", "dsd_distance", "style_distance"))
                foreach (var objective in objectives)
                {
                    if (interrupt.Token.IsCancellationRequested) break;
                    var name = Name(objective);
                    var result = ProgressBar.Steps($"matching {name}", options.Steps, report =>
                        new FingerprintMatching(vgg, options with { Objective = objective }).Run(a, b, row =>
                        {
                            csv.Row(name, row.Step, row.DsdDistance, row.StyleDistance);
                            report(row.Step, $"loss {row.Loss(objective):G4}");
                        }, interrupt.Token));
                    results.Add((objective, result));
                    ImageIo.SavePng(result.Image, Path.Combine(outDir, $"result-{name}.png"));
                }
            var grid = Path.Combine(outDir, "grid.png");
            SaveGrid(grid, a, b, results, options);
            Print(results, options, outDir);
            return results.Any(r => r.Result.Interrupted) || results.Count < objectives.Count ? 130 : 0;
        }
        finally
        {
            foreach (var (_, r) in results) r.Dispose();
        }
    }

    static string Name(MatchingObjective objective) => objective == MatchingObjective.Dsd ? "dsd" : "style";

    /// <summary>The image downscaled so its longer side is at most <paramref name="side"/> (0: unchanged).</summary>
    static Tensor Fit(Tensor image, int side)
    {
        var longer = Math.Max(image.shape[2], image.shape[3]);
        if (side == 0 || longer <= side) return image;
        var scale = (double)side / longer;
        return Imresize.Resize(image, (int)Math.Round(image.shape[2] * scale), (int)Math.Round(image.shape[3] * scale)).clamp(0, 1);
    }

    static void SaveGrid(string path, Tensor content, Tensor reference, List<(MatchingObjective Objective, MatchingResult Result)> results, MatchingOptions options)
    {
        var columns = new List<string> { "content (start)", "reference" };
        var cells = new List<Tensor> { content, reference };
        foreach (var (objective, result) in results)
        {
            columns.Add($"{(objective == MatchingObjective.Dsd ? "DSD" : "style")} result, {result.Steps[^1].Step} steps");
            cells.Add(result.Image);
        }
        var height = (int)Math.Clamp(content.shape[2], 128, 320);
        var (bitmap, _) = LabelledGrid.Render(columns, null, [cells], height,
            title: $"fingerprint matching, scale pairs {string.Join(", ", options.Pairs)}, layers {string.Join(",", options.Layers)}");
        using (bitmap) TensorBitmap.SavePng(bitmap, path);
    }

    static void Print(List<(MatchingObjective Objective, MatchingResult Result)> results, MatchingOptions options, string outDir)
    {
        var table = new Table().Title("distance to the reference (start → end)").AddColumn("optimised").AddColumn(new TableColumn("steps").RightAligned())
            .AddColumn(new TableColumn("DSD distance (pairs)").RightAligned()).AddColumn(new TableColumn("style distance (scales)").RightAligned());
        static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        foreach (var (objective, r) in results)
            table.AddRow(Name(objective) + (r.Interrupted ? " (interrupted)" : ""), r.Steps[^1].Step.ToString(CultureInfo.InvariantCulture),
                $"{F(r.Steps[0].DsdDistance)} → {F(r.Steps[^1].DsdDistance)}", $"{F(r.Steps[0].StyleDistance)} → {F(r.Steps[^1].StyleDistance)}");
        CliRunner.Stdout.Write(table);
        CliRunner.Info($"wrote {outDir}/grid.png, loss.csv and the images (scale pairs {string.Join(",", options.Pairs)})");
    }
}
