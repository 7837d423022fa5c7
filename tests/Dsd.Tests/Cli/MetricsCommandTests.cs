using System.Globalization;
using System.Text.Json;
using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Tests.NoReference;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Cli;

/// <summary><c>dsd metrics</c> lists the catalogue; <c>dsd score --metrics niqe,brisque</c> needs no weights and no flag.</summary>
[Collection(CliHarness.Name)]
public class MetricsCommandTests
{
    [Fact]
    public void Json_lists_every_catalogue_entry_with_what_it_needs()
    {
        var (code, stdout, stderr) = CliHarness.Run("metrics", "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var entries = doc.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(MetricCatalog.Entries.Select(e => e.Name), entries.Keys);

        var noref = entries["noref-dsd"];
        Assert.Equal("no-reference", noref.GetProperty("reference").GetString());
        Assert.Equal(["relu1_2", "relu2_1", "relu2_2", "relu3_1"], noref.GetProperty("vgg19_layers").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("built-in", noref.GetProperty("vgg19_weights").GetString());
        Assert.Equal(["psi-alpha4.safetensors", "psi-alpha2.safetensors"], noref.GetProperty("psi").EnumerateArray().Select(p => p.GetString()));

        var perceptual = entries["perceptual"];
        Assert.Equal("download", perceptual.GetProperty("vgg19_weights").GetString());
        Assert.Equal(["relu2_2"], perceptual.GetProperty("vgg19_layers_built_in").EnumerateArray().Select(l => l.GetString()));
        Assert.True(perceptual.GetProperty("loss").GetBoolean());

        var niqe = entries["niqe"];
        Assert.Equal(("no-reference", "lower", true, false), (niqe.GetProperty("reference").GetString(), niqe.GetProperty("better").GetString(),
            niqe.GetProperty("metric").GetBoolean(), niqe.GetProperty("loss").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, niqe.GetProperty("vgg19_weights").ValueKind);
        Assert.Equal(["niqe_pris_params.npz"], niqe.GetProperty("model_files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(["brisque_model_live.yml", "brisque_range_live.yml"], entries["brisque"].GetProperty("model_files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("higher", entries["psnr-y"].GetProperty("better").GetString());
        Assert.False(entries["l1"].GetProperty("metric").GetBoolean());
    }

    [Fact]
    public void Table_has_one_row_per_entry()
    {
        var (code, stdout, _) = CliHarness.Run("metrics");
        Assert.Equal(0, code);
        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.StartsWith("name ", lines[0]);
        Assert.Equal(MetricCatalog.Entries.Count + 1, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("brisque ", StringComparison.Ordinal) && l.Contains("brisque_model_live.yml, brisque_range_live.yml (built-in)"));
        Assert.Contains(lines, l => l.StartsWith("perceptual ", StringComparison.Ordinal) && l.Contains("download: dsd weights fetch"));
    }

    [Fact]
    public void Score_runs_niqe_and_brisque_on_a_folder_offline_with_no_flag()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-nr-").FullName;
        using var scope = NewDisposeScope();
        var images = new[] { NaturalnessTests.Texture(192, 192, seed: 3), NaturalnessTests.Texture(200, 300, seed: 4) };
        for (var i = 0; i < images.Length; i++) ImageIo.SavePng(images[i], Path.Combine(dir, $"{i}.png"));
        var csv = Path.Combine(dir, "out.csv");
        var env = Environment.GetEnvironmentVariable("DSD_HOME");
        Environment.SetEnvironmentVariable("DSD_HOME", Path.Combine(dir, "no-cache")); // nothing cached: the models are built in
        try
        {
            var (code, _, stderr) = CliHarness.Run("score", "--dist", dir, "--metrics", "niqe,brisque", "--out", csv);
            Assert.True(code == 0, stderr);
        }
        finally { Environment.SetEnvironmentVariable("DSD_HOME", env); }
        var lines = File.ReadAllLines(csv);
        Assert.Equal("ref,dist,niqe,brisque,error", lines[0]);
        for (var i = 0; i < images.Length; i++)
        {
            var cells = lines[i + 1].Split(',');
            using var loaded = ImageIo.Load(Path.Combine(dir, $"{i}.png"));
            Assert.Equal(new NiqeMetric().Score(loaded, null), double.Parse(cells[2], CultureInfo.InvariantCulture), 1e-12);
            Assert.Equal(new BrisqueMetric().Score(loaded, null), double.Parse(cells[3], CultureInfo.InvariantCulture), 1e-6);
        }
    }
}
