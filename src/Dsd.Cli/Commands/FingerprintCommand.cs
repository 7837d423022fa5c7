using System.CommandLine;
using System.Text.Json;
using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Serialization;
using Spectre.Console;
using static TorchSharp.torch;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd fingerprint IMAGE</c>: computes DSD_α^l, prints mean |DSD| per layer and α, optionally saves the matrices.</summary>
internal static class FingerprintCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("IMAGE") { Description = "Image file (PNG, JPEG or BMP)" };
        var alphas = new Option<string>("--alpha")
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
        var output = new Option<string?>("--out")
        {
            Description = "Write the matrices to this .safetensors file, tensors named alpha{α}/{layer}, each [C,C]",
            HelpName = "FILE",
        };
        var format = new Option<string>("--format") { Description = "Output on stdout: table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var device = CommonOptions.Device();

        var command = new Command("fingerprint", "Compute the DSD fingerprint DSD_α^l(x) = G(φ_l(x)) − G(φ_l(x↓α)) of an image and print mean |DSD| per layer")
        {
            image, alphas, layers, output, format, device, VggWeightsOption.Create(), MemoryOption.Create(), PixelsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            MemoryOption.Apply(parse);
            var options = new DsdOptions(CommonOptions.ParseList(parse.GetValue(layers)!), CommonOptions.ParseAlphas(parse.GetValue(alphas)!, "--alpha"));
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            var path = parse.GetValue(image)!;
            using var scope = NewDisposeScope();
            var x = ImageIo.Load(path, dev); // before the weights: a mistyped path must not trigger a download
            using var weights = VggWeightsOption.Load(parse);
            using var vgg = new Vgg19Features(options.Layers, weights.State, dev, weights.Path);
            using var mode = inference_mode();
            Fingerprint print;
            try { print = Fingerprint.Compute(vgg, x, options); }
            catch (DsdException e) { throw new DsdException(e.Kind, $"{path}: {e.Message}"); }
            using (print)
            {
                var rows = options.Layers.Select(l => (Layer: l, Values: options.Alphas.Select(a => (double)print.MeanAbs(a, l).item<float>()).ToArray())).ToList();
                if (rows.Any(r => r.Values.Any(v => !double.IsFinite(v))))
                    throw new DsdException(DsdErrorKind.Numerical, $"{path}: the fingerprint contains NaN or infinity");
                var outPath = parse.GetValue(output);
                if (outPath is not null)
                {
                    // [1,C,C] → [C,C] per tensor, as the format promises.
                    var tensors = print.ToNamedTensors().ToDictionary(kv => kv.Key, kv => kv.Value.squeeze(0));
                    SafeTensors.Save(outPath, tensors, new Dictionary<string, string>
                    {
                        ["image"] = Path.GetFileName(path),
                        ["layers"] = string.Join(",", options.Layers),
                        ["alphas"] = string.Join(",", options.Alphas.Select(CommonOptions.Format)),
                        ["vgg19_sha256"] = weights.Sha256,
                    });
                }
                Print(parse.GetValue(format)!, path, options, rows, outPath);
            }
            return 0;
        }));
        return command;
    }

    static void Print(string format, string path, DsdOptions options, List<(string Layer, double[] Values)> rows, string? outPath)
    {
        if (format == "json")
        {
            var doc = new Dictionary<string, object?>
            {
                ["image"] = path,
                ["mean_abs_dsd"] = options.Alphas.Select((a, i) => (a, i)).ToDictionary(
                    p => DsdOptions.AlphaName(p.a), p => rows.ToDictionary(r => r.Layer, r => r.Values[p.i])),
                ["out"] = outPath,
            };
            Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var table = new Table().Title($"mean |DSD| of {Markup.Escape(Path.GetFileName(path))}").AddColumn("layer");
        foreach (var a in options.Alphas) table.AddColumn(new TableColumn($"α = {CommonOptions.Format(a)}").RightAligned());
        foreach (var (layer, values) in rows) table.AddRow([layer, .. values.Select(v => v.ToString("E4", System.Globalization.CultureInfo.InvariantCulture))]);
        CliRunner.Stdout.Write(table);
        if (outPath is not null) CliRunner.Info($"wrote {outPath}");
    }
}
