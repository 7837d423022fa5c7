using System.CommandLine;
using System.Text.Json;
using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Serialization;
using Dsd.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd fingerprint IMAGE|FOLDER</c>: computes DSD_α^l, prints mean |DSD| per layer and α, optionally saves the
/// matrices. A folder is fingerprinted image by image: a bad image is reported and skipped (exit 2 at the end).
/// </summary>
internal static class FingerprintCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE") { Description = "Image file (PNG, JPEG, BMP or WebP), or a folder of them" };
        var alphas = new Option<string>("--alphas")
        {
            Description = "Downscale factors α, comma-separated (2 and 4 use the reference strided kernel; others MATLAB imresize)",
            DefaultValueFactory = _ => "2,4",
            HelpName = "LIST",
        };
        var layers = new Option<string>("--layers")
        {
            Description = "VGG19 layers l, comma-separated (relu1_1 … relu5_4, conv*, pool*)",
            DefaultValueFactory = _ => string.Join(",", DsdOptions.Fingerprint.Layers),
            HelpName = "LIST",
        };
        var oldAlphas = CommonOptions.OldName(alphas, "--alpha");
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Write the matrices to this .safetensors file, tensors named alpha{α}/{layer}, each [C,C]; "
                + "for a folder of images, a folder receiving NAME.safetensors per image (the whole file name, a.png.safetensors, "
                + "when images share a name: a.png, a.jpg); never an input's path",
            HelpName = "FILE|DIR",
        };
        var format = new Option<string>("--format") { Description = "Output on stdout: table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var strict = CommonOptions.Strict("image", "fingerprinted", "fingerprint the others");
        var device = CommonOptions.Device();

        var command = new Command("fingerprint", "Compute the DSD fingerprint DSD_α^l(x) = G(φ_l(x)) − G(φ_l(x↓α)) of an image (or each image of a folder) and print mean |DSD| per layer")
        {
            image, alphas, oldAlphas, layers, output, format, strict, device, VggWeightsOption.Create(), MemoryOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            MemoryOption.Apply(parse);
            var options = DsdOptions.Parse(parse.GetValue(layers)!, CommonOptions.GetRenamed(parse, alphas, oldAlphas)!, "--layers/--alphas");
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var path = parse.GetValue(image)!;
            var outPath = parse.GetValue(output);
            var folder = Directory.Exists(path);
            IReadOnlyList<string> files = folder ? ImageFolder.List(path) : [path];
            if (folder && files.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: no PNG, JPEG, BMP or WebP images in this folder");
            // a.png, a.jpg and a.PNG in one folder get a.png.safetensors, a.jpg.safetensors, a.PNG.safetensors.
            var names = ImageFolder.OutputNames(files);
            var targets = files.Select((f, i) => outPath is null ? null : folder ? Path.Combine(outPath, names[i] + ".safetensors") : outPath).ToList();
            foreach (var target in targets.OfType<string>()) OutputGuard.RefuseInputs(target, files, "input image");
            if (folder && outPath is not null) Directory.CreateDirectory(outPath);

            using var scope = NewDisposeScope();
            // A single image is read before the weights: a mistyped path must not trigger a download.
            var first = folder ? null : ImageIo.Load(path, dev);
            using var weights = VggWeightsOption.Load(parse, options.Layers.Max(Vgg19Layers.IndexOf));
            using var vgg = new Vgg19Features(options.Layers, weights, dev);
            using var mode = inference_mode();
            var results = new List<Dictionary<string, object?>>();
            var failed = 0;
            ProgressBar.Items(files.Count, advance =>
            {
                foreach (var (file, target) in files.Zip(targets))
                {
                    try
                    {
                        using var itemScope = NewDisposeScope();
                        var x = first ?? ImageIo.Load(file, dev);
                        results.Add(One(vgg, x, file, options, target, weights.Sha256, parse.GetValue(format)!));
                    }
                    catch (DsdException e) when (folder && e.Kind is DsdErrorKind.InvalidInput or DsdErrorKind.Numerical)
                    {
                        failed++;
                        CliRunner.Error(e.Message.Contains(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}");
                        if (parse.GetValue(strict)) break;
                    }
                    advance(file);
                }
            }, "fingerprinting");
            if (parse.GetValue(format) == "json")
                Console.WriteLine(JsonSerializer.Serialize(folder ? results : (object)results[0], new JsonSerializerOptions { WriteIndented = true }));
            if (folder && failed > 0) CliRunner.Info($"fingerprinted {results.Count} of {files.Count} images; {failed} failed");
            return failed > 0 ? CliRunner.InputsFailed : CliRunner.Ok;
        }));
        return command;
    }

    /// <summary>Fingerprints one image, saves it when asked, prints its table (table format) and returns its JSON record.</summary>
    static Dictionary<string, object?> One(Vgg19Features vgg, Tensor x, string path, DsdOptions options, string? outPath, string weightsSha256, string format)
    {
        Fingerprint print;
        try { print = Fingerprint.Compute(vgg, x, options); }
        catch (DsdException e) { throw new DsdException(e.Kind, $"{path}: {e.Message}"); }
        using (print)
        {
            var rows = options.Layers.Select(l => (Layer: l, Values: options.Alphas.Select(a => (double)print.MeanAbs(a, l).item<float>()).ToArray())).ToList();
            if (rows.Any(r => r.Values.Any(v => !double.IsFinite(v))))
                throw new DsdException(DsdErrorKind.Numerical, $"{path}: the fingerprint contains NaN or infinity");
            if (outPath is not null)
            {
                // [1,C,C] → [C,C] per tensor, as the format promises.
                var tensors = print.ToNamedTensors().ToDictionary(kv => kv.Key, kv => kv.Value.squeeze(0));
                SafeTensors.Save(outPath, tensors, new Dictionary<string, string>
                {
                    ["image"] = Path.GetFileName(path),
                    ["layers"] = string.Join(",", options.Layers),
                    ["alphas"] = string.Join(",", options.Alphas.Select(CommonOptions.Format)),
                    ["vgg19_sha256"] = weightsSha256,
                });
            }
            if (format != "json") PrintTable(path, options, rows, outPath);
            return new Dictionary<string, object?>
            {
                ["image"] = path,
                ["mean_abs_dsd"] = options.Alphas.Select((a, i) => (a, i)).ToDictionary(
                    p => DsdOptions.AlphaName(p.a), p => rows.ToDictionary(r => r.Layer, r => r.Values[p.i])),
                ["out"] = outPath,
            };
        }
    }

    static void PrintTable(string path, DsdOptions options, List<(string Layer, double[] Values)> rows, string? outPath)
    {
        var table = new Table().Title($"mean |DSD| of {Markup.Escape(Path.GetFileName(path))}").AddColumn("layer");
        foreach (var a in options.Alphas) table.AddColumn(new TableColumn($"α = {CommonOptions.Format(a)}").RightAligned());
        foreach (var (layer, values) in rows) table.AddRow([layer, .. values.Select(CommonOptions.Format)]);
        CliRunner.Stdout.Write(table);
        if (outPath is not null) CliRunner.Info($"wrote {outPath}");
    }
}
