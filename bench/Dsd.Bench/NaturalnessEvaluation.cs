using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dsd.Imaging;
using Dsd.Quality;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Bench;

/// <summary>
/// NIQE and BRISQUE (issue 21): <c>Dsd.Bench naturalness speed|anchors|human [--data D] [--runs R]</c>.
/// speed: seconds per image on one core for a 512×512 photo (astronaut) and the five 512×384 TID2013 images;
/// anchors: max |ours − reference| over ../shared/golden/nr-anchors/values.json's 86 images;
/// human: Spearman with CSIQ 1600's DMOS, and on the 19 Set5+Set14 SR outputs how often the ground truth scores better.
/// </summary>
static class NaturalnessEvaluation
{
    static readonly (string Name, IQualityMetric Metric)[] Metrics =
        [("niqe", new NiqeMetric()), ("niqe-y", new NiqeMetric(onY: true)), ("brisque", new BrisqueMetric())];

    public static int Run(string[] args)
    {
        torch.set_num_threads(1);
        var data = Value(args, "--data") ?? "/work/shared/data";
        var golden = Value(args, "--golden") ?? "/work/shared/golden";
        var runs = int.Parse(Value(args, "--runs") ?? "10", CultureInfo.InvariantCulture);
        switch (args.FirstOrDefault())
        {
            case "speed": Speed(data, runs); return 0;
            case "anchors": Anchors(data, golden); return 0;
            case "human": Human(data); return 0;
            default:
                Console.Error.WriteLine("usage: Dsd.Bench naturalness speed|anchors|human [--data D] [--golden G] [--runs R]");
                return 2;
        }
    }

    static string? Value(string[] args, string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>Median seconds per image (scoring only: the image is decoded once), one thread.</summary>
    static void Speed(string data, int runs)
    {
        var sets = new (string Label, string[] Files)[]
        {
            ("512x512 (astronaut)", [Path.Combine(data, "photos", "astronaut.png")]),
            ("512x384 (5 TID2013)", Directory.GetFiles(Path.Combine(data, "iqa-calibration", "ResultsCalibra", "ref_dir"), "*.bmp").Order(StringComparer.Ordinal).ToArray()),
        };
        foreach (var (label, files) in sets)
        {
            var images = files.Select(f => ImageIo.Load(f)).ToList();
            foreach (var (name, metric) in Metrics)
            {
                foreach (var image in images) metric.Score(image, null); // warm-up: JIT, model parsing
                // Wall time and this process's CPU time: on a loaded machine the CPU time is what one core spends.
                var (wall, cpu) = (new List<double>(), new List<double>());
                var process = Process.GetCurrentProcess();
                for (var r = 0; r < runs; r++)
                {
                    process.Refresh();
                    var cpuStart = process.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    foreach (var image in images) metric.Score(image, null);
                    wall.Add(watch.Elapsed.TotalSeconds / images.Count);
                    process.Refresh();
                    cpu.Add((process.TotalProcessorTime - cpuStart).TotalSeconds / images.Count);
                }
                wall.Sort();
                cpu.Sort();
                var median = wall[wall.Count / 2];
                Console.WriteLine($"{label,-22} {name,-8} wall median {median * 1000:F1} ms/image (min {wall[0] * 1000:F1}), CPU median {cpu[cpu.Count / 2] * 1000:F1} ms/image; {1 / median:F1} images/s, one thread");
            }
        }
    }

    static void Anchors(string data, string golden)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(golden, "nr-anchors", "values.json")));
        var sr = Path.Combine(data, "sr-method-outputs", "srresnet-srgan-edsr");
        var items = new List<(string Path, JsonElement Values)>();
        foreach (var image in json.RootElement.GetProperty("csiq_1600_subset").EnumerateObject())
            items.Add((Path.Combine(data, "iqa-human", "csiq_1600_subset", image.Name), image.Value));
        foreach (var image in json.RootElement.GetProperty("sr_method_outputs").EnumerateObject())
            foreach (var method in image.Value.EnumerateObject())
                items.Add((SrPath(sr, image.Name, method.Name), method.Value));
        var worst = Metrics.ToDictionary(m => m.Name, _ => (Error: 0.0, Image: ""));
        var errors = Metrics.ToDictionary(m => m.Name, _ => new List<double>());
        foreach (var (path, values) in items)
        {
            using var scope = NewDisposeScope();
            var image = ImageIo.Load(path);
            foreach (var (name, metric) in Metrics)
            {
                var error = Math.Abs(metric.Score(image, null) - values.GetProperty(name.Replace('-', '_')).GetDouble());
                errors[name].Add(error);
                if (error > worst[name].Error) worst[name] = (error, Path.GetFileName(path));
            }
        }
        Console.WriteLine($"{items.Count} images");
        foreach (var (name, (error, image)) in worst)
            Console.WriteLine($"{name,-8} max |ours − reference| {error:G3} ({image}), median {errors[name].Order().ElementAt(errors[name].Count / 2):G3}");
    }

    static string SrPath(string root, string image, string method) => method switch
    {
        "HR" => Path.Combine(root, "HR", $"{image}.png"),
        "SRResNet" => Path.Combine(root, "SRResNet", "images", $"{image}_SRResNet-MSE.png"),
        "EDSR" => Path.Combine(root, "EDSR", "images", $"{image}_EDSR.png"),
        _ => Path.Combine(root, "SRGAN", "images", $"{image}_SRGAN-VGG54.png"),
    };

    static void Human(string data)
    {
        var csiq = Path.Combine(data, "iqa-human", "csiq_1600_subset");
        var labels = File.ReadAllLines(Path.Combine(csiq, "labels_dmos.csv")).Skip(1)
            .Select(l => l.Split(',')).Select(p => (File: p[1], Dmos: double.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
        var sr = Path.Combine(data, "sr-method-outputs", "srresnet-srgan-edsr");
        var names = Directory.GetFiles(Path.Combine(sr, "HR"), "*.png").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList();
        foreach (var (name, metric) in Metrics)
        {
            var scores = labels.Select(l => Score(metric, Path.Combine(csiq, l.File))).ToList();
            var all = Spearman(scores, labels.Select(l => l.Dmos).ToList());
            string Part(string kind)
            {
                var idx = labels.Select((l, i) => (l, i)).Where(t => t.l.File.Contains(kind, StringComparison.Ordinal)).Select(t => t.i).ToList();
                return $"{Spearman(idx.Select(i => scores[i]).ToList(), idx.Select(i => labels[i].Dmos).ToList()):F3}";
            }
            Console.WriteLine($"{name,-8} CSIQ 1600: Spearman with DMOS {all:F3} (AWGN {Part("AWGN")}, blur {Part("BLUR")}); values {string.Join(" ", scores.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}");
            var hr = names.Select(n => Score(metric, SrPath(sr, n!, "HR"))).ToList();
            var counts = new[] { "SRResNet", "EDSR", "SRGAN" }.Select(method =>
            {
                var scored = names.Select(n => Score(metric, SrPath(sr, n!, method))).ToList();
                return $"{method} {hr.Zip(scored).Count(p => p.First < p.Second)}/{names.Count} (mean {scored.Average():F3})";
            });
            Console.WriteLine($"{name,-8} SR outputs: ground truth better than {string.Join(", ", counts)}; ground-truth mean {hr.Average():F3}");
        }
    }

    static double Score(IQualityMetric metric, string path)
    {
        using var scope = NewDisposeScope();
        return metric.Score(ImageIo.Load(path), null);
    }

    /// <summary>Spearman's ρ with average ranks for ties.</summary>
    static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var (ra, rb) = (Ranks(a), Ranks(b));
        var (ma, mb) = (ra.Average(), rb.Average());
        double num = 0, da = 0, db = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            num += (ra[i] - ma) * (rb[i] - mb);
            da += (ra[i] - ma) * (ra[i] - ma);
            db += (rb[i] - mb) * (rb[i] - mb);
        }
        return num / Math.Sqrt(da * db);
    }

    static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]]) j++;
            for (var k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return ranks;
    }
}
