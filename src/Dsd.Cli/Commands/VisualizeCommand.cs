using System.CommandLine;
using System.Globalization;
using System.Text;
using Dsd.Cli.Pictures;
using Dsd.Imaging;
using Dsd.Serialization;

namespace Dsd.Cli.Commands;

/// <summary>
/// <c>dsd visualize IMAGE|FOLDER</c>: the fingerprint (docs/method.md §1) as pictures: per image a heatmap figure of the DSD
/// matrices and a bar chart of ‖DSD_α^l‖₁; for a folder also one chart comparing the images and a CSV of the values.
/// </summary>
internal static class VisualizeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IMAGE|FOLDER") { Description = "An image (PNG, JPEG, BMP or WebP) or a folder of them" };
        var output = new Option<string>("--out", "-o") { Description = "Folder for the pictures (created if missing)", DefaultValueFactory = _ => "fingerprints", HelpName = "DIR" };
        var device = CommonOptions.Device();
        var command = new Command("visualize",
            "Draw the DSD fingerprint DSD_α^l (layers relu1_2, relu2_1, relu2_2, relu3_1; α = 2, 4): per image NAME.heatmaps.png "
            + "(the matrices on one diverging colour scale) and NAME.layers.png (‖DSD_α^l‖₁ per layer); for a folder also "
            + "comparison.png and fingerprints.csv. Unreadable images are skipped and reported (exit 2).\n"
            + "Example: dsd visualize photos/ --out pictures")
        {
            input, output, device, VggWeightsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var path = parse.GetValue(input)!;
            var images = Plan(path);
            var outDir = parse.GetValue(output)!;
            var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
            CreateFolder(outDir);
            using var weights = VggWeightsOption.Load(parse);
            using var source = new FingerprintSource(weights, dev);

            // a.png and a.jpg in one folder must not overwrite each other's pictures.
            var names = ImageFolder.OutputNames(images);
            foreach (var name in names)
                foreach (var kind in new[] { ".heatmaps.png", ".layers.png" })
                    OutputGuard.RefuseInputs(Path.Combine(outDir, name + kind), images, "input image");
            foreach (var summary in new[] { "comparison.png", "fingerprints.csv" })
                OutputGuard.RefuseInputs(Path.Combine(outDir, summary), images, "input image");
            var done = new List<(string Name, LayerMeans Means)>();
            var failed = 0;
            ProgressBar.Items(images.Count, advance =>
            {
                foreach (var (image, name) in images.Zip(names))
                {
                    try
                    {
                        var matrices = source.Compute(image);
                        WritePng(Path.Combine(outDir, name + ".heatmaps.png"),
                            FingerprintHeatmap.RenderPng(matrices, $"DSD fingerprint of {Path.GetFileName(image)}: DSD_α^l = G(φ_l(x)) − G(φ_l(x↓α))", "DSD entry"));
                        WritePng(Path.Combine(outDir, name + ".layers.png"),
                            FingerprintBarChart.RenderPng(matrices, $"‖DSD_α^l‖₁ of {Path.GetFileName(image)}"));
                        done.Add((name, matrices.Means()));
                    }
                    catch (DsdException e) when (e.Kind is DsdErrorKind.InvalidInput or DsdErrorKind.Numerical)
                    {
                        // One bad file must not cost the others their pictures; the exit code reports it.
                        CliRunner.Error(e.Message);
                        failed++;
                    }
                    advance(image);
                }
            }, "fingerprints");

            if (done.Count > 0 && Directory.Exists(path))
            {
                WritePng(Path.Combine(outDir, "comparison.png"), ImageComparisonChart.RenderPng(done, $"‖DSD‖₁ of {done.Count} images in {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))}"));
                AtomicFile.WriteAllText(Path.Combine(outDir, "fingerprints.csv"), FingerprintsCsv(done));
            }
            CliRunner.Info($"wrote pictures of {done.Count} image{(done.Count == 1 ? "" : "s")} to {outDir}" + (failed > 0 ? $"; {failed} failed" : ""));
            return failed > 0 ? 2 : 0;
        }));
        return command;
    }

    /// <summary>The image, or the folder's supported images in name order; an empty folder is an input error.</summary>
    static List<string> Plan(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: no such file or folder");
        var files = Directory.EnumerateFiles(path).Where(ImageIo.IsSupported).Order(StringComparer.Ordinal).ToList();
        return files.Count > 0 ? files : throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: folder holds no PNG, JPEG or BMP images");
    }

    static void CreateFolder(string dir)
    {
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{dir}: cannot create the output folder: {e.Message}", e);
        }
    }

    static void WritePng(string path, byte[] png)
    {
        try { AtomicFile.Write(path, s => s.Write(png)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
    }

    static string FingerprintsCsv(IEnumerable<(string Name, LayerMeans Means)> images)
    {
        var sb = new StringBuilder("image,alpha,layer,mean_abs_dsd\n");
        foreach (var (name, m) in images)
            foreach (var alpha in m.Alphas)
                foreach (var layer in m.Layers)
                    sb.Append(CultureInfo.InvariantCulture, $"{Csv.Quote(name)},{alpha},{layer},{Csv.Number(m.MeanAbs(alpha, layer))}\n");
        return sb.ToString();
    }
}
