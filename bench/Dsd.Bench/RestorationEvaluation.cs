using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dsd.Cli.Pictures;
using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Restoration;
using Dsd.Serialization;
using Dsd.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Bench;

/// <summary>
/// Scores trained restoration networks against baselines, the evidence table and the paper-style figures (Fig. 14, 16):
///   Dsd.Bench restoration-eval sr --data SR_OUTPUTS --out DIR NAME=MODEL … [--crops N] [--crop-images a,b@X:Y,…] [--crop-size S] [--zoom Z]
///   Dsd.Bench restoration-eval deblur --data PAIRS [--only TEXT] --out DIR NAME=MODEL … [--synthetic-blur [--blur-kernel K] [--seed S]]
/// SR: the 19 Set5+Set14 images of sr-method-outputs/srresnet-srgan-edsr (HR, LR ×4); methods bicubic (Imresize.Scale ×4,
/// MATLAB imresize), each model, then the published SRResNet, EDSR and SRGAN outputs. Deblur: GoPro-style pairs X.png / X_gt.png
/// (or, with --synthetic-blur, every image of --data blurred by a seeded synthetic camera-shake kernel); methods the
/// blurred input and each model. Metrics psnr-y, ssim (shave 4 for SR, 0 for deblurring), dsd, noref-dsd (and niqe when
/// the catalogue has it); the ground truth gets the no-reference ones. Outputs DIR/per-image.csv, summary.md,
/// summary.json and fig-sr.png / fig-deblur.png.
/// </summary>
internal static class RestorationEvaluation
{
    /// <summary>The metrics, in column order; optional ones are used when the catalogue has them at run time.</summary>
    static readonly string[] MetricNames = ["psnr-y", "ssim", "dsd", "noref-dsd"];
    static readonly string[] OptionalMetricNames = ["niqe"];

    static readonly (string Method, string Folder, string Suffix)[] SrBaselines =
    [
        ("SRResNet", "SRResNet", "_SRResNet-MSE"),
        ("EDSR", "EDSR", "_EDSR"),
        ("SRGAN", "SRGAN", "_SRGAN-VGG54"),
    ];

    static readonly string[] SrFigureImages = ["baboon", "zebra", "comic", "butterfly", "barbara"];

    sealed class Settings
    {
        public RestorationTask Task = RestorationTask.SuperResolution;
        public string Data = "";
        public string Out = "";
        public string? Only;
        public int Threads = 1;
        public int Crops = 3;
        public int? CropSize;
        public int? Zoom;
        public List<(string Name, (int X, int Y)? At)> CropImages = [];
        public bool SyntheticBlur;
        public int BlurKernel = 21;
        public int Seed;
        public int Tile = 256;
        public List<(string Name, string Path)> Models = [];
    }

    /// <summary>One image to evaluate: its ground truth, the degraded input, and the baseline outputs on disk.</summary>
    sealed record Sample(string Name, Func<Tensor> Target, Func<Tensor> Input, IReadOnlyList<(string Method, string Path)> Baselines);

    public static int Run(string[] args)
    {
        Settings s;
        try { s = Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException or IndexOutOfRangeException)
        {
            Console.Error.WriteLine($"restoration-eval: {e.Message}");
            Console.Error.WriteLine("usage: Dsd.Bench restoration-eval sr|deblur --data DIR --out DIR NAME=MODEL … [--only TEXT] [--crops N] "
                + "[--crop-images a,b@X:Y] [--crop-size S] [--zoom Z] [--synthetic-blur] [--blur-kernel K] [--seed S] [--threads N] [--tile T]");
            return 2;
        }
        torch.set_num_threads(s.Threads);
        torch.set_num_interop_threads(1);
        Directory.CreateDirectory(s.Out);
        var sr = s.Task == RestorationTask.SuperResolution;
        var samples = sr ? SrSamples(s) : s.SyntheticBlur ? SyntheticSamples(s) : DeblurSamples(s);
        if (samples.Count == 0) throw new ArgumentException($"no images found in {s.Data}{(s.Only is null ? "" : $" matching '{s.Only}'")}");

        var options = new MetricOptions { VggWeights = VggWeights.Embedded(), Shave = sr ? 4 : 0 };
        var names = MetricNames.Concat(OptionalMetricNames.Where(n => MetricCatalog.Metrics.Any(e => e.Name == n))).ToList();
        var entries = names.Select(MetricCatalog.Metric).ToList();
        var metrics = entries.Select(e => CatalogMetric.Create(e, options)).ToList();
        // Models given twice under different names (L1 and DSD while only one exists) are loaded and run once.
        var loaded = new Dictionary<string, nn.Module<Tensor, Tensor>>();
        var networks = s.Models.Select(m => (m.Name, m.Path, Net: loaded.TryGetValue(Path.GetFullPath(m.Path), out var net) ? net
            : loaded[Path.GetFullPath(m.Path)] = RestorationNetworks.Load(s.Task, m.Path))).ToList();
        var inputMethod = sr ? "bicubic" : "blurred";
        var truthMethod = sr ? "HR" : "sharp";
        var methods = new List<string> { inputMethod };
        methods.AddRange(networks.Select(n => n.Name));
        if (sr) methods.AddRange(SrBaselines.Select(b => b.Method));
        methods.Add(truthMethod);

        var cropSize = s.CropSize ?? (sr ? 128 : 192);
        var zoom = s.Zoom ?? (sr ? 2 : 1);
        var figureColumns = new List<string> { inputMethod };
        figureColumns.AddRange(networks.Select(n => n.Name));
        if (sr) figureColumns.Add("SRGAN");
        figureColumns.Add(truthMethod);
        var figureRows = FigureRows(s, samples);
        var crops = new Dictionary<(string Image, string Method), Tensor>();
        var cropPlaces = new Dictionary<string, (int X, int Y)>();

        // scores[image][method][metric]
        var scores = new Dictionary<string, Dictionary<string, Dictionary<string, double>>>();
        var skipped = new List<string>();
        var total = Stopwatch.StartNew();
        for (var index = 0; index < samples.Count; index++)
        {
            var sample = samples[index];
            var clock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            using var mode = inference_mode();
            var target = sample.Target();
            var input = sample.Input();
            var byMethod = scores[sample.Name] = [];
            var figureIndex = figureRows.FindIndex(r => r.Name == sample.Name);
            var inFigure = figureIndex >= 0;
            (int X, int Y) at = default;
            if (inFigure)
            {
                at = figureRows[figureIndex].At ?? TexturedSpot(target, cropSize, sr ? 4 : 1);
                at = (Math.Clamp(at.X, 0, Math.Max(0, (int)target.shape[3] - cropSize)), Math.Clamp(at.Y, 0, Math.Max(0, (int)target.shape[2] - cropSize)));
                cropPlaces[sample.Name] = at;
            }

            void Keep(string method, Tensor image)
            {
                if (!inFigure || !figureColumns.Contains(method)) return;
                var (h, w) = (Math.Min(cropSize, (int)image.shape[2]), Math.Min(cropSize, (int)image.shape[3]));
                crops[(sample.Name, method)] = image.narrow(2, at.Y, h).narrow(3, at.X, w).clone().DetachFromDisposeScope();
            }

            void Score(string method, Func<Tensor> produce)
            {
                using var inner = NewDisposeScope();
                var output = produce();
                if (!output.shape.SequenceEqual(target.shape))
                {
                    var message = $"{sample.Name}/{method}: size {output.shape[3]}×{output.shape[2]} differs from the ground truth's {target.shape[3]}×{target.shape[2]}; skipped";
                    Console.Error.WriteLine($"restoration-eval: {message}");
                    skipped.Add(message);
                    return;
                }
                var values = byMethod[method] = [];
                foreach (var metric in metrics)
                    values[metric.Entry.Name] = metric.Metric.Score(output, metric.Entry.Kind == MetricKind.FullReference ? target : null);
                Keep(method, output);
            }

            Score(inputMethod, () => sr ? Quantise(Imresize.Scale(input, 4, antialias: false)) : input);
            var restored = new Dictionary<nn.Module<Tensor, Tensor>, Tensor>();
            foreach (var (name, _, net) in networks)
                Score(name, () => restored.TryGetValue(net, out var done) ? done
                    : restored[net] = Quantise(TiledInference.Run(net, input, s.Task.Scale, tile: s.Tile,
                        margin: s.Task.Network.ReceptiveRadius(RestorationNetworks.Blocks(net)))).DetachFromDisposeScope());
            foreach (var t in restored.Values) t.Dispose();
            foreach (var (method, path) in sample.Baselines)
                Score(method, () => ImageIo.Load(path));
            var truth = byMethod[truthMethod] = [];
            foreach (var metric in metrics.Where(m => m.Entry.Kind == MetricKind.NoReference))
                truth[metric.Entry.Name] = metric.Metric.Score(target, null);
            Keep(truthMethod, target);

            string Brief(string method) => byMethod.TryGetValue(method, out var v)
                ? $"{method} {Fmt("psnr-y", v.GetValueOrDefault("psnr-y", double.NaN))}/{Fmt("dsd", v.GetValueOrDefault("dsd", double.NaN))}"
                : $"{method} —";
            Console.Error.WriteLine($"restoration-eval: [{index + 1}/{samples.Count}] {sample.Name} ({target.shape[3]}×{target.shape[2]}, {clock.Elapsed.TotalSeconds:F1} s) "
                + $"psnr-y/dsd: {string.Join(", ", methods.Where(m => m != truthMethod).Select(Brief))}; noref-dsd {truthMethod} {Fmt("noref-dsd", truth.GetValueOrDefault("noref-dsd", double.NaN))}");
        }
        foreach (var m in metrics) (m.Metric as IDisposable)?.Dispose();

        var csv = Path.Combine(s.Out, "per-image.csv");
        WriteCsv(csv, scores, methods, names);
        var summary = Summarise(s, samples.Select(x => x.Name).ToList(), methods, entries, scores, inputMethod, truthMethod);
        summary["skipped"] = skipped;
        summary["metric_settings"] = MetricCatalog.Settings(entries, options);
        summary["bicubic"] = sr ? "Dsd.Imaging.Imresize.Scale(LR, 4): MATLAB imresize bicubic (a = −0.5, no antialiasing when upscaling, symmetric borders), rounded to 8 bits" : null;
        summary["outputs_quantised"] = "model outputs and bicubic are rounded to 8 bits (as saved PNGs) before scoring";
        summary["figure_crops"] = cropPlaces.ToDictionary(kv => kv.Key, kv => new { x = kv.Value.X, y = kv.Value.Y, size = cropSize, zoom });

        var figure = Path.Combine(s.Out, sr ? "fig-sr.png" : "fig-deblur.png");
        if (cropPlaces.Count > 0)
        {
            var rows = figureRows.Select(r => r.Name).Where(cropPlaces.ContainsKey).ToList();
            var cells = rows.Select(r => (IReadOnlyList<Tensor>)figureColumns.Select(c => crops.TryGetValue((r, c), out var t) ? t : full(new long[] { 1, 3, cropSize, cropSize }, 0.5f)).ToList()).ToList();
            var title = sr
                ? $"×4 super-resolution: {cropSize}×{cropSize} HR-pixel crops, nearest ×{zoom}"
                : $"{(s.SyntheticBlur ? "synthetic camera-shake blur" : "GoPro deblurring")}: {cropSize}×{cropSize} crops{(zoom > 1 ? $", nearest ×{zoom}" : "")}";
            var (bitmap, _) = LabelledGrid.Render(figureColumns, rows.Select(r => $"{Short(r)} ({cropPlaces[r].X},{cropPlaces[r].Y})").ToList(),
                cells, cropSize * zoom, pixelated: true, title: title);
            using (bitmap) TensorBitmap.SavePng(bitmap, figure);
            summary["figure"] = figure;
        }
        foreach (var t in crops.Values) t.Dispose();

        File.WriteAllText(Path.Combine(s.Out, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        var markdown = Markdown(s, summary, methods, names, samples.Count, inputMethod, truthMethod);
        File.WriteAllText(Path.Combine(s.Out, "summary.md"), markdown);
        Console.Write(markdown);
        Console.Error.WriteLine($"restoration-eval: {samples.Count} images in {total.Elapsed.TotalMinutes:F1} min; wrote {csv}, summary.md, summary.json{(cropPlaces.Count > 0 ? $", {figure}" : "")}");
        return 0;
    }

    static Settings Parse(string[] args)
    {
        if (args.Length == 0) throw new ArgumentException("sr or deblur expected");
        var s = new Settings { Task = RestorationTask.Parse(args[0]) };
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--data": s.Data = Next(); break;
                case "--out": s.Out = Next(); break;
                case "--only": s.Only = Next(); break;
                case "--threads": s.Threads = Int(); break;
                case "--crops": s.Crops = Int(); break;
                case "--crop-size": s.CropSize = Int(); break;
                case "--zoom": s.Zoom = Int(); break;
                case "--crop-images": s.CropImages = ParseCropImages(Next()); break;
                case "--synthetic-blur": s.SyntheticBlur = true; break;
                case "--blur-kernel": s.BlurKernel = Int(); break;
                case "--seed": s.Seed = Int(); break;
                case "--tile": s.Tile = Int(); break;
                default:
                    if (args[i].StartsWith('-') || !args[i].Contains('='))
                        throw new ArgumentException($"unknown option {args[i]}");
                    var (name, path) = (args[i].Split('=', 2)[0], args[i].Split('=', 2)[1]);
                    if (s.Models.Any(m => m.Name == name)) throw new ArgumentException($"model name {name} given twice");
                    s.Models.Add((name, path));
                    break;
            }
        }
        if (s.Data.Length == 0 || s.Out.Length == 0) throw new ArgumentException("--data and --out are required");
        if (s.SyntheticBlur && s.Task != RestorationTask.Deblur) throw new ArgumentException("--synthetic-blur is for deblur mode");
        if (s.CropSize is < 8 || s.Zoom is < 1 || s.Crops < 0 || s.BlurKernel < 3 || s.BlurKernel % 2 == 0)
            throw new ArgumentException("--crop-size ≥ 8, --zoom ≥ 1, --crops ≥ 0, --blur-kernel odd ≥ 3");
        return s;
    }

    /// <summary><c>baboon,zebra@120:64</c>: names, each optionally with the crop's top-left corner X:Y in ground-truth pixels.</summary>
    internal static List<(string Name, (int X, int Y)? At)> ParseCropImages(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(item =>
        {
            var parts = item.Split('@', 2);
            if (parts.Length == 1) return (parts[0], ((int, int)?)null);
            var xy = parts[1].Split(':');
            if (xy.Length != 2) throw new ArgumentException($"--crop-images: '{item}' should be NAME or NAME@X:Y");
            return (parts[0], (int.Parse(xy[0], CultureInfo.InvariantCulture), int.Parse(xy[1], CultureInfo.InvariantCulture)));
        }).ToList();

    /// <summary>The images of the figure: those named by --crop-images (first --crops of them), else a default choice.</summary>
    static List<(string Name, (int X, int Y)? At)> FigureRows(Settings s, List<Sample> samples)
    {
        var wanted = s.CropImages.Count > 0 ? s.CropImages
            : s.Task == RestorationTask.SuperResolution ? SrFigureImages.Select(n => (n, ((int, int)?)null)).ToList()
            : samples.Select(x => (x.Name, ((int, int)?)null)).ToList();
        var rows = new List<(string, (int, int)?)>();
        foreach (var (name, at) in wanted)
        {
            // A name matches exactly, or as a substring (GoPro names are long).
            var match = samples.FirstOrDefault(x => x.Name == name) ?? samples.FirstOrDefault(x => x.Name.Contains(name, StringComparison.Ordinal));
            if (match is null) { Console.Error.WriteLine($"restoration-eval: figure image '{name}' not found; left out"); continue; }
            if (rows.Any(r => r.Item1 == match.Name)) continue;
            rows.Add((match.Name, at));
            if (rows.Count == s.Crops) break;
        }
        return rows;
    }

    static List<Sample> SrSamples(Settings s)
    {
        var hrFolder = Path.Combine(s.Data, "HR");
        return Directory.GetFiles(hrFolder, "*.png").Order(StringComparer.Ordinal)
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => s.Only is null || n!.Contains(s.Only, StringComparison.Ordinal))
            .Select(n => new Sample(n!,
                () => ImageIo.Load(Path.Combine(hrFolder, n + ".png")),
                () => ImageIo.Load(Path.Combine(s.Data, "LR", n + ".png")),
                SrBaselines.Select(b => (b.Method, Path.Combine(s.Data, b.Folder, "images", n + b.Suffix + ".png")))
                    .Where(b =>
                    {
                        if (File.Exists(b.Item2)) return true;
                        Console.Error.WriteLine($"restoration-eval: {b.Item2} missing; {n}/{b.Method} left out");
                        return false;
                    }).ToList()))
            .ToList();
    }

    /// <summary>GoPro-derived pairs: X.png (blurred) and X_gt.png (sharp), those whose name contains --only.</summary>
    static List<Sample> DeblurSamples(Settings s) =>
        Directory.GetFiles(s.Data, "*_gt.png").Order(StringComparer.Ordinal)
            .Select(gt => (Gt: gt, Name: Path.GetFileName(gt)[..^"_gt.png".Length]))
            .Where(p => s.Only is null || p.Name.Contains(s.Only, StringComparison.Ordinal))
            .Where(p => File.Exists(Path.Combine(s.Data, p.Name + ".png")))
            .Select(p => new Sample(p.Name, () => ImageIo.Load(p.Gt), () => ImageIo.Load(Path.Combine(s.Data, p.Name + ".png")), []))
            .ToList();

    /// <summary>
    /// Every image of --data (at least 128 px a side) as a sharp image, blurred with a synthetic camera-shake kernel
    /// (<see cref="MotionBlur"/>, edges replicated) drawn from a seed fixed per file name, rounded to 8 bits.
    /// </summary>
    static List<Sample> SyntheticSamples(Settings s)
    {
        var list = new List<Sample>();
        foreach (var file in Directory.GetFiles(s.Data).Where(ImageIo.IsSupported).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (s.Only is not null && !name.Contains(s.Only, StringComparison.Ordinal)) continue;
            var size = ImageIo.ReadSize(file);
            if (Math.Min(size.Width, size.Height) < 128)
            {
                Console.Error.WriteLine($"restoration-eval: {file} is {size.Width}×{size.Height}, smaller than 128 px; skipped");
                continue;
            }
            var seed = unchecked((int)StableSeed(name) ^ s.Seed);
            list.Add(new Sample(name, () => ImageIo.Load(file),
                () =>
                {
                    using var scope = NewDisposeScope();
                    var sharp = ImageIo.Load(file);
                    return Quantise(MotionBlur.ApplySame(sharp, MotionBlur.Kernel(new Random(seed), s.BlurKernel))).MoveToOuterDisposeScope();
                }, []));
        }
        return list;
    }

    static long StableSeed(string text)
    {
        ulong h = 1469598103934665603;
        foreach (var c in text) h = (h ^ c) * 1099511628211;
        return (long)(h >> 1);
    }

    /// <summary>Rounded to 8 bits, as the image would be saved: outputs are scored as PNGs are.</summary>
    internal static Tensor Quantise(Tensor image) => image.clamp(0f, 1f).mul(255f).round().div(255f);

    /// <summary>
    /// The top-left corner of the size² window with the most texture (mean gradient magnitude of luma) on a grid of
    /// step <c>size/8</c>, multiples of <paramref name="align"/> (the SR scale, so the crop starts on an LR pixel).
    /// </summary>
    internal static (int X, int Y) TexturedSpot(Tensor image, int size, int align)
    {
        using var scope = NewDisposeScope();
        var (h, w) = ((int)image.shape[2], (int)image.shape[3]);
        if (h <= size || w <= size) return (Math.Max(0, (w - size) / 2 / align * align), Math.Max(0, (h - size) / 2 / align * align));
        var rgb = image.to_type(ScalarType.Float32);
        var y = 0.299f * rgb.narrow(1, 0, 1) + 0.587f * rgb.narrow(1, 1, 1) + 0.114f * rgb.narrow(1, 2, 1);
        var gx = (y.narrow(2, 1, h - 1).narrow(3, 1, w - 1) - y.narrow(2, 1, h - 1).narrow(3, 0, w - 1)).abs();
        var gy = (y.narrow(2, 1, h - 1).narrow(3, 1, w - 1) - y.narrow(2, 0, h - 1).narrow(3, 1, w - 1)).abs();
        var step = Math.Max(align, size / 8 / align * align);
        var energy = nn.functional.avg_pool2d(gx + gy, [size - 1, size - 1], [step, step]);
        var flat = energy.flatten().argmax().item<long>();
        var cols = energy.shape[3];
        return ((int)(flat % cols) * step, (int)(flat / cols) * step);
    }

    /// <summary>A row label that fits: GoPro names become "frame-1193", others their first 16 characters.</summary>
    static string Short(string name) =>
        System.Text.RegularExpressions.Regex.Match(name, @"frame-\d+") is { Success: true } m ? m.Value
        : name.Length <= 16 ? name : name[..16];

    static void WriteCsv(string path, Dictionary<string, Dictionary<string, Dictionary<string, double>>> scores, List<string> methods, List<string> metrics)
    {
        var sb = new StringBuilder(Csv.Line(["image", "method", .. metrics]));
        foreach (var (image, byMethod) in scores)
            foreach (var method in methods.Where(byMethod.ContainsKey))
                sb.Append(Csv.Line([Csv.Quote(image), Csv.Quote(method), .. metrics.Select(m => byMethod[method].TryGetValue(m, out var v) ? Csv.Number(v) : "")]));
        File.WriteAllText(path, sb.ToString());
    }

    static Dictionary<string, object?> Summarise(Settings s, List<string> images, List<string> methods, List<MetricEntry> entries,
        Dictionary<string, Dictionary<string, Dictionary<string, double>>> scores, string inputMethod, string truthMethod)
    {
        double? Value(string image, string method, string metric) =>
            scores[image].TryGetValue(method, out var v) && v.TryGetValue(metric, out var x) ? x : null;
        var means = new Dictionary<string, Dictionary<string, double>>();
        foreach (var method in methods)
        {
            var row = means[method] = [];
            foreach (var e in entries)
            {
                var values = images.Select(i => Value(i, method, e.Name)).OfType<double>().ToList();
                if (values.Count > 0) row[e.Name] = values.Average();
            }
        }

        // "a better than b on N of M images" for one metric, over images where both have a score.
        (int Better, int Of) Count(string a, string b, MetricEntry metric)
        {
            var pairs = images.Select(i => (A: Value(i, a, metric.Name), B: Value(i, b, metric.Name))).Where(p => p.A is not null && p.B is not null).ToList();
            return (pairs.Count(p => metric.LowerIsBetter ? p.A < p.B : p.A > p.B), pairs.Count);
        }
        var counts = new List<Dictionary<string, object>>();
        void Add(string a, string b, string metric)
        {
            var entry = entries.FirstOrDefault(e => e.Name == metric);
            if (entry is null || !methods.Contains(a) || !methods.Contains(b)) return;
            var (better, of) = Count(a, b, entry);
            counts.Add(new Dictionary<string, object> { ["method"] = a, ["than"] = b, ["metric"] = metric, ["better"] = better, ["of"] = of });
        }
        var models = s.Models.Select(m => m.Name).ToList();
        foreach (var m in models)
        {
            Add(m, inputMethod, "dsd");
            Add(m, inputMethod, "psnr-y");
        }
        if (models.Contains("DSD") && models.Contains("L1"))
        {
            Add("DSD", "L1", "dsd");
            Add("DSD", "L1", "psnr-y");
        }
        foreach (var e in entries.Where(e => e.Kind == MetricKind.NoReference))
            foreach (var m in methods.Where(m => m != truthMethod))
                Add(truthMethod, m, e.Name);
        var differences = new Dictionary<string, double>();
        foreach (var m in models)
            if (means[m].TryGetValue("psnr-y", out var p) && means[inputMethod].TryGetValue("psnr-y", out var q))
                differences[$"{m} psnr-y minus {inputMethod}"] = p - q;
        return new Dictionary<string, object?>
        {
            ["mode"] = s.Task.Name,
            ["data"] = s.Data,
            ["only"] = s.Only,
            ["synthetic_blur"] = s.SyntheticBlur ? new { kernel = s.BlurKernel, seed = s.Seed } : null,
            ["models"] = s.Models.ToDictionary(m => m.Name, m => m.Path),
            ["images"] = images,
            ["metrics"] = entries.Select(e => e.Name).ToList(),
            ["means"] = means,
            ["psnr_differences_db"] = differences,
            ["counts"] = counts,
        };
    }

    static string Fmt(string metric, double v) => double.IsNaN(v) ? "—" : metric switch
    {
        "psnr-y" or "psnr-rgb" => v.ToString("F2", CultureInfo.InvariantCulture),
        "ssim" => v.ToString("F4", CultureInfo.InvariantCulture),
        _ => Significant(v, 5),
    };

    /// <summary><paramref name="v"/> with <paramref name="digits"/> significant digits, trailing zeros kept (0.0065060).</summary>
    internal static string Significant(double v, int digits)
    {
        if (v == 0 || !double.IsFinite(v)) return v.ToString(CultureInfo.InvariantCulture);
        var decimals = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(v)));
        // Rounding can carry into a new digit (9.99996 → 10.000): count the digits of the rounded value.
        var rounded = Math.Round(v, Math.Clamp(decimals, 0, 15));
        if (rounded != 0) decimals = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(rounded)));
        return decimals is >= 0 and <= 12 ? v.ToString("F" + decimals, CultureInfo.InvariantCulture) : v.ToString($"E{digits - 1}", CultureInfo.InvariantCulture);
    }

    static string Markdown(Settings s, Dictionary<string, object?> summary, List<string> methods, List<string> metrics, int images, string inputMethod, string truthMethod)
    {
        var means = (Dictionary<string, Dictionary<string, double>>)summary["means"]!;
        var sb = new StringBuilder();
        var what = s.Task == RestorationTask.SuperResolution ? "×4 super-resolution, Set5 + Set14"
            : s.SyntheticBlur ? $"deblurring, synthetic camera-shake blur (kernel {s.BlurKernel}, seed {s.Seed})" : "deblurring, GoPro-derived pairs";
        sb.AppendLine($"# restoration-eval: {what}");
        sb.AppendLine();
        sb.AppendLine($"Data `{s.Data}`{(s.Only is null ? "" : $" (names containing `{s.Only}`)")}, {images} images. Models: "
            + (s.Models.Count == 0 ? "none" : string.Join(", ", s.Models.Select(m => $"{m.Name} = `{m.Path}`"))) + ".");
        sb.AppendLine($"Means over images; psnr-y and ssim on Y{(s.Task == RestorationTask.SuperResolution ? ", 4 px shaved" : "")}; dsd full-reference; "
            + $"noref-dsd no-reference (lower is better for both). Outputs rounded to 8 bits before scoring.");
        sb.AppendLine();
        sb.AppendLine("| method | " + string.Join(" | ", metrics) + " |");
        sb.AppendLine("|---|" + string.Concat(metrics.Select(_ => "---|")));
        foreach (var m in methods)
            sb.AppendLine($"| {m} | " + string.Join(" | ", metrics.Select(k => Fmt(k, means[m].TryGetValue(k, out var v) ? v : double.NaN))) + " |");
        sb.AppendLine();
        var counts = (List<Dictionary<string, object>>)summary["counts"]!;
        string C(Dictionary<string, object> c) => $"{c["better"]}/{c["of"]}";
        var differences = (Dictionary<string, double>)summary["psnr_differences_db"]!;
        foreach (var model in s.Models.Select(m => m.Name))
        {
            var parts = new List<string>();
            foreach (var c in counts.Where(c => (string)c["method"] == model))
                parts.Add((string)c["metric"] == "dsd"
                    ? $"dsd lower than {c["than"]}'s on {C(c)}"
                    : $"PSNR-Y above {c["than"]}'s on {C(c)}");
            if (differences.TryGetValue($"{model} psnr-y minus {inputMethod}", out var d))
                parts.Add($"mean PSNR-Y minus {inputMethod}'s {d.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} dB");
            sb.AppendLine($"- **{model}**: {string.Join("; ", parts)}");
        }
        sb.AppendLine();
        foreach (var metric in counts.Where(c => (string)c["method"] == truthMethod).Select(c => (string)c["metric"]).Distinct())
            sb.AppendLine($"- {metric}: ground truth ({truthMethod}) better than "
                + string.Join(", ", counts.Where(c => (string)c["method"] == truthMethod && (string)c["metric"] == metric).Select(c => $"{c["than"]} on {C(c)}")));
        if (summary["skipped"] is List<string> { Count: > 0 } skipped)
        {
            sb.AppendLine();
            sb.AppendLine("Skipped (size differs from the ground truth):");
            foreach (var line in skipped) sb.AppendLine($"- {line}");
        }
        if (summary.TryGetValue("figure", out var figure) && figure is string f)
        {
            sb.AppendLine();
            var places = string.Join(", ", ((System.Collections.IDictionary)summary["figure_crops"]!).Keys.Cast<string>());
            sb.AppendLine($"Figure: `{Path.GetFileName(f)}` ({places}).");
        }
        return sb.ToString();
    }
}
