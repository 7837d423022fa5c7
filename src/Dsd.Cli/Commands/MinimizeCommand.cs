using System.CommandLine;
using System.Globalization;
using Dsd.Cli.Pictures;
using Dsd.Dissimilarity;
using Dsd.Experiments;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Networks;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Dsd.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd minimize --image X</c>: gradient descent on ‖DSD_α(x)‖₁ from X (docs/method.md §6, Fig. 12). Writes <c>start.png</c>,
/// <c>step-NNNNN.png</c> at the listed steps, <c>steps.csv</c> (every step), <c>summary.csv</c> and <c>plot.png</c>.
/// </summary>
internal static class MinimizeCommand
{
    public static Command Create()
    {
        var image = new Option<string>("--image") { Description = "Start image X (e.g. an SR output)", Required = true, HelpName = "FILE" };
        var alpha = new Option<double>("--alpha") { Description = "Downscale factor α of DSD_α", DefaultValueFactory = _ => 4, HelpName = "X" };
        var steps = new Option<string>("--steps") { Description = "Steps whose images are saved; the run lasts until the largest", DefaultValueFactory = _ => "500,5000", HelpName = "LIST" };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate on the pixel logits (x = sigmoid(u))", DefaultValueFactory = _ => new MinimizationOptions().LearningRate, HelpName = "X" };
        var layers = new Option<string>("--layers") { Description = "VGG19 layers summed over", DefaultValueFactory = _ => string.Join(",", DsdOptions.Fingerprint.Layers), HelpName = "LIST" };
        var crop = new Option<int>("--crop") { Description = "Optimise only a centred N×N crop (cost grows with the area); 0 = the whole image", DefaultValueFactory = _ => 0, HelpName = "N" };
        crop.Within(0, WorkLimits.MaxSide);
        var output = new Option<string>("--out", "-o") { Description = "Output folder", DefaultValueFactory = _ => "minimize", HelpName = "DIR" };
        var device = CommonOptions.Device();

        var command = new Command("minimize",
            "DSD minimisation (the paper's experiment): gradient descent on ‖DSD_α(x)‖₁ (sum over layers of the mean |entry|) starting from an image, saving the "
            + "images at the listed steps, steps.csv, a plot of ‖DSD‖₁ and of the distance to the start, and a summary with PSNR-Y and noref-dsd "
            + "against the start. Ctrl+C keeps what is done.\n\n"
            + "Example:\n  dsd minimize --image baboon_ESRGAN.png --alpha 4 --steps 500,5000 --out minimize/")
        {
            image, alpha, steps, lr, layers, crop, output, device, VggWeightsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new MinimizationOptions
            {
                Alpha = parse.GetValue(alpha),
                SaveSteps = ParseSteps(parse.GetValue(steps)!),
                LearningRate = parse.GetValue(lr),
                Layers = CommonOptions.ParseList(parse.GetValue(layers)!),
            };
            options.Validate();
            foreach (var l in options.Layers) Vgg19Layers.IndexOf(l);
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var outDir = parse.GetValue(output)!;
            var path = parse.GetValue(image)!;
            using var scope = NewDisposeScope();
            var x = Crop(ImageIo.Load(path, dev), parse.GetValue(crop));
            var taps = options.Layers.Union(NoReferenceRegressor.Layers).ToList();
            using var weights = VggWeightsOption.Load(parse, taps.Max(Vgg19Layers.IndexOf));
            using var vgg = new Vgg19Features(taps, weights, dev);
            var noReference = NoReference(vgg, options.Alpha, dev);
            using var psi = noReference?.Regressor;

            return MinimizeAndWrite(vgg, noReference, options, x, outDir, Path.GetFileName(path));
        }));
        return command;
    }

    /// <summary>Runs the descent from <paramref name="x"/>, writing the images, steps.csv, plot.png and summary.csv; 130 when interrupted.</summary>
    static int MinimizeAndWrite(Vgg19Features vgg, NoReferenceDsd? noReference, MinimizationOptions options, Tensor x, string outDir, string name)
    {
        Directory.CreateDirectory(outDir);
        ImageIo.SavePng(x, Path.Combine(outDir, "start.png"));
        var saved = new List<(int Step, Tensor Image)> { (0, x.detach().clone().DetachFromDisposeScope()) };
        using var interrupt = new TrainingInterrupt("writing the image reached");
        MinimizationResult result;
        try
        {
            using (var csv = new CsvTable(Path.Combine(outDir, "steps.csv"), "step", "dsd_norm", "rmse_to_start", "psnr_y_to_start"))
                result = ProgressBar.Steps($"minimising ‖DSD_{options.Alpha:G3}‖₁", options.Steps, report =>
                    new DsdMinimization(vgg, options).Run(x, row =>
                    {
                        csv.Row(row.Step, row.DsdNorm, row.RmseToStart, row.PsnrYToStart);
                        report(row.Step, $"‖DSD‖₁ {row.DsdNorm:G4}  RMSE {row.RmseToStart:G3}");
                    }, (step, image) =>
                    {
                        ImageIo.SavePng(image, Path.Combine(outDir, StepFile(step)));
                        saved.Add((step, image.clone().DetachFromDisposeScope()));
                    }, interrupt.Token));
            using (result)
            {
                var last = result.Steps[^1].Step;
                if (result.Interrupted && saved[^1].Step != last)
                {
                    ImageIo.SavePng(result.Image, Path.Combine(outDir, StepFile(last)));
                    saved.Add((last, result.Image.clone().DetachFromDisposeScope()));
                }
                MinimizationPlot.Save(Path.Combine(outDir, "plot.png"), result.Steps, options.SaveSteps, options.Alpha, name);
                Summarise(outDir, saved, result.Steps, noReference, result.Interrupted);
                return result.Interrupted ? 130 : 0;
            }
        }
        finally
        {
            foreach (var (_, t) in saved) t.Dispose();
        }
    }

    static string StepFile(int step) => $"step-{step.ToString("D5", CultureInfo.InvariantCulture)}.png";

    static IReadOnlyList<int> ParseSteps(string text)
    {
        var result = new List<int>();
        foreach (var part in CommonOptions.ParseList(text))
            result.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new DsdException(DsdErrorKind.Usage, $"--steps: '{part}' is not a positive step count"));
        return result.Distinct().Order().ToList();
    }

    static Tensor Crop(Tensor image, int side)
    {
        if (side < 0) throw new DsdException(DsdErrorKind.Usage, "--crop: must be ≥ 0");
        var (h, w) = (image.shape[2], image.shape[3]);
        if (side == 0 || (side >= h && side >= w)) return image;
        var (sh, sw) = (Math.Min(side, h), Math.Min(side, w));
        return image.narrow(2, (h - sh) / 2, sh).narrow(3, (w - sw) / 2, sw).contiguous();
    }

    /// <summary>The shipped psi for α (one of NoReferenceRegressor.Alphas) when present: noref-dsd of the saved images is then reported.</summary>
    static NoReferenceDsd? NoReference(Vgg19Features vgg, double alpha, Device device)
    {
        if (!NoReferenceRegressor.IsTrainedFor(alpha) || ShippedRegressors.PathFor(alpha) is null) return null;
        // The calibrated form takes images of any size (the consistency default needs 64×64), so the summary always has its column.
        return NoReferenceDsd.Create(new MetricOptions { Device = device, NoReferenceAlpha = alpha, NoReferenceForm = NoReferenceForm.Calibrated }, vgg);
    }

    static void Summarise(string outDir, List<(int Step, Tensor Image)> saved, IReadOnlyList<MinimizationStep> steps, NoReferenceDsd? noReference, bool interrupted)
    {
        var byStep = steps.ToDictionary(s => s.Step);
        var table = new Table().Title("saved images against the start").AddColumn(new TableColumn("step").RightAligned())
            .AddColumn(new TableColumn("‖DSD‖₁").RightAligned()).AddColumn(new TableColumn("PSNR-Y to start (dB)").RightAligned())
            .AddColumn(new TableColumn("RMSE to start").RightAligned());
        if (noReference is not null) table.AddColumn(new TableColumn($"noref-dsd α={noReference.Alpha:G3} ↓").RightAligned());
        static string F(double v, string format) => Csv.Number(v, format);
        using var csv = new CsvTable(Path.Combine(outDir, "summary.csv"), "step", "file", "dsd_norm", "psnr_y_to_start", "rmse_to_start", "noref_dsd");
        foreach (var (step, image) in saved)
        {
            var row = byStep[step];
            // Row 0 is measured on sigmoid(logit(x)), a hair from X itself; against X the start is exactly 0 / ∞.
            var (psnr, rmse) = step == 0 ? (double.PositiveInfinity, 0.0) : (row.PsnrYToStart, row.RmseToStart);
            var noref = noReference?.Score(image, null);
            var file = step == 0 ? "start.png" : StepFile(step);
            csv.Row(step, file, row.DsdNorm, psnr, rmse, noref);
            var cells = new List<string> { step.ToString(CultureInfo.InvariantCulture), F(row.DsdNorm, "G4"), F(psnr, "F2"), F(rmse, "G3") };
            if (noref is { } q) cells.Add(F(q, "G4"));
            table.AddRow(cells.ToArray());
        }
        CliRunner.Stdout.Write(table);
        CliRunner.Info($"{(interrupted ? "interrupted; " : "")}wrote {outDir}/plot.png, steps.csv, summary.csv and the images");
    }
}
