using System.CommandLine;
using Dsd.Cli.Pictures;
using Dsd.Cli.Report;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd report RESULTS.json… --html OUT.html</c>: one self-contained HTML page from <c>dsd score --format json</c> outputs.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("RESULTS.json") { Description = "Outputs of dsd score --format json; two or more on the same references are compared image by image", Arity = ArgumentArity.OneOrMore };
        var html = new Option<string>("--html") { Description = "The HTML file to write (self-contained: inline CSS, script and images)", Required = true, HelpName = "OUT.html" };
        var labels = new Option<string?>("--labels") { Description = "Names of the result files, comma-separated (default: file names without .json)", HelpName = "LIST" };
        var metric = new Option<string?>("--metric") { Description = "Metric that picks the worst and best pairs (default: dsd if present, else the first)", HelpName = "NAME" };
        var pairs = new Option<int>("--pairs") { Description = "How many worst and how many best pairs to show with thumbnails and heatmaps", DefaultValueFactory = _ => 3, HelpName = "K" }.Within(0, 100);
        var title = new Option<string>("--title") { Description = "The page's title", DefaultValueFactory = _ => "DSD score report", HelpName = "TEXT" };
        var noHeatmaps = new Option<bool>("--no-heatmaps") { Description = "Leave out the DSD heatmaps of the worst and best pairs (needs no VGG19 weights then)" };
        var device = CommonOptions.Device();
        var command = new Command("report",
            "Write an HTML report of dsd score results: settings, summary and histograms, a per-reference comparison of several "
            + "result files (the mean over each reference's pairs), the worst and best pairs with thumbnails and DSD heatmaps, and a sortable table of every pair.\n"
            + "Example: dsd score --ref HR --dist SRGAN --dist-suffix _SRGAN --format json --out srgan.json && "
            + "dsd report srgan.json edsr.json --html report.html")
        {
            inputs, html, labels, metric, pairs, title, noHeatmaps, device, VggWeightsOption.Create(),
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var files = parse.GetValue(inputs)!;
            var names = parse.GetValue(labels) is { } text ? CommonOptions.ParseList(text) : DefaultLabels(files);
            if (names.Count != files.Length)
                throw new DsdException(DsdErrorKind.Usage, $"--labels: {names.Count} names for {files.Length} result files");
            if (parse.GetValue(pairs) < 1) throw new DsdException(DsdErrorKind.Usage, "--pairs: must be at least 1");
            var results = files.Select((f, i) => ScoreResults.Load(f, names[i])).ToList();
            var options = new HtmlReportOptions(parse.GetValue(metric), parse.GetValue(pairs), parse.GetValue(title)!);
            var outPath = parse.GetValue(html)!;
            Serialization.OutputGuard.RefuseInputs(outPath, files, "score output");
            if (parse.GetValue(noHeatmaps))
            {
                HtmlReport.Write(results, outPath, null, options);
            }
            else
            {
                var dev = CommonOptions.ParseDevice(parse.GetValue(device)!);
                using var weights = VggWeightsOption.Load(parse);
                using var source = new FingerprintSource(weights, dev);
                HtmlReport.Write(results, outPath, source, options);
            }
            CliRunner.Info($"wrote {outPath} ({new FileInfo(outPath).Length / 1024} KiB)");
            return 0;
        }));
        return command;
    }

    /// <summary>File names without extension; made unique with a number when two files share a name.</summary>
    static List<string> DefaultLabels(string[] files)
    {
        var stems = files.Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        return stems.Select((s, i) => stems.Count(x => x == s) > 1 ? $"{s} ({i + 1})" : s).ToList();
    }
}
