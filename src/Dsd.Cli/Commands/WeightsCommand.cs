using System.CommandLine;
using Dsd.Serialization;
using Dsd.Weights;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd weights fetch|import|list</c>: manage the VGG19 weights every DSD computation needs.</summary>
internal static class WeightsCommand
{
    public static Command Create()
    {
        var command = new Command("weights",
            "Manage the ImageNet-pretrained VGG19 weights (torchvision's vgg19-dcbb9e9d.pth). They are looked up in this order: "
            + $"--vgg-weights PATH, ${VggWeightsOptions.WeightsVariable}, then $DSD_HOME/{VggWeightStore.CacheFileName} (DSD_HOME defaults to ~/.cache/dsd), then the conv1_1…conv3_1 subset built into dsd (enough for every layer up to relu3_1).");
        command.Subcommands.Add(Fetch());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(List());
        return command;
    }

    static Command Fetch()
    {
        var url = new Option<string>("--url")
        {
            Description = $"Download from this URL instead (default ${VggWeightsOptions.UrlVariable}, else {VggWeightsOptions.DefaultUrl}); "
                + "a -xxxxxxxx hash suffix in its file name is checked against the download's SHA-256",
            HelpName = "URL",
        };
        var force = new Option<bool>("--force") { Description = "Download again even if the cache already holds converted weights" };
        var command = new Command("fetch",
            $"Download torchvision's VGG19 weights (~548 MB), verify their checksum and convert the feature layers (~80 MB) into $DSD_HOME/{VggWeightStore.CacheFileName}. "
            + "The download is deleted afterwards. Offline? Copy the file by other means and use 'dsd weights import'.");
        command.Options.Add(url);
        command.Options.Add(force);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            var options = VggWeightsOptions.FromEnvironment();
            if (parseResult.GetValue(url) is { Length: > 0 } u) options = options with { Url = u };
            if (File.Exists(options.CachePath) && !parseResult.GetValue(force))
            {
                CliRunner.Info($"VGG19 weights are already cached at {options.CachePath} (use --force to download again)");
                return 0;
            }
            CliRunner.Info($"downloading {options.Url}");
            var result = ProgressBar.Download("VGG19 weights", (progress, token) => VggWeightFetcher.Fetch(options, progress, token));
            Report(result);
            return 0;
        }));
        return command;
    }

    static Command Import()
    {
        var file = new Argument<string>("FILE")
        {
            Description = "A VGG19 checkpoint: torchvision's vgg19-dcbb9e9d.pth (legacy or zip .pth) or a .safetensors with features.N.weight|bias keys",
        };
        var command = new Command("import",
            $"Convert a local VGG19 checkpoint into $DSD_HOME/{VggWeightStore.CacheFileName} (feature layers only, float32). "
            + "If the file name ends in a torchvision hash such as -dcbb9e9d.pth, the file's SHA-256 must start with it.");
        command.Arguments.Add(file);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            var options = VggWeightsOptions.FromEnvironment();
            Report(VggWeightImporter.Import(parseResult.GetValue(file)!, options));
            return 0;
        }));
        return command;
    }

    static Command List()
    {
        var vggWeights = VggWeightsOption.Create();
        var command = new Command("list",
            "Show where VGG19 weights could come from (--vgg-weights, environment, cache, built-in subset), each file's size and layers, and which one DSD would use.");
        command.Options.Add(vggWeights);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            var options = VggWeightsOption.Options(parseResult);
            VggWeightsCandidate? used = null;
            string? problem = null;
            try { used = VggWeightStore.Resolve(options); }
            catch (DsdException e) { problem = e.Message; } // a missing explicit/env file stops resolution: say so below
            foreach (var c in VggWeightStore.Candidates(options))
            {
                var marker = c == used ? "*" : " ";
                Console.WriteLine($"{marker} {Label(c.Kind),-12} {c.Path}");
                if (!c.Exists)
                {
                    Console.WriteLine("               (not present)");
                    continue;
                }
                Console.WriteLine(c.Kind == VggWeightsSourceKind.Embedded
                    ? "               built into the library; conv1_1…conv3_1 (DSD's taps up to relu3_1); deeper layers need the full file"
                    : $"               {new FileInfo(c.Path).Length:N0} bytes; {Layers(c.Path)}");
            }
            Console.WriteLine(problem is not null ? $"Not usable: {problem}"
                : used is null ? "No weights available: run 'dsd weights fetch', or 'dsd weights import /path/to/vgg19-dcbb9e9d.pth'."
                : $"* = used: {used.Path}");
            return 0;
        }));
        return command;
    }

    static string Label(VggWeightsSourceKind kind) => kind switch
    {
        VggWeightsSourceKind.Explicit => "--vgg-weights",
        VggWeightsSourceKind.Environment => VggWeightsOptions.WeightsVariable,
        VggWeightsSourceKind.Embedded => "built-in",
        _ => "cache",
    };

    static string Layers(string path)
    {
        try
        {
            var state = VggWeightStore.LoadNormalised(path);
            var names = Vgg19Layout.Convs.Where(c => state.ContainsKey(c.WeightKey)).Select(c => c.Name).ToList();
            foreach (var t in state.Values) t.Dispose();
            var source = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && SafeTensors.LoadMetadata(path).TryGetValue("source_file", out var s) ? $"; from {s}" : "";
            return names.Count == Vgg19Layout.Convs.Count
                ? $"all 16 convolutions (conv1_1…conv5_4){source}"
                : $"{names.Count} of 16 convolutions: {string.Join(" ", names)}{source}";
        }
        catch (DsdException e)
        {
            return "unusable: " + e.Message;
        }
    }

    static void Report(VggImportResult result)
    {
        Console.WriteLine($"wrote {result.CachePath}");
        Console.WriteLine($"source sha256 {result.SourceSha256}");
        Console.WriteLine($"layers {string.Join(" ", result.Covered.Select(c => c.Name))}");
        if (result.Covered.Count < Vgg19Layout.Convs.Count)
            CliRunner.Warn($"only {result.Covered.Count} of 16 VGG19 convolutions were found; deeper layers will be unavailable");
    }
}
