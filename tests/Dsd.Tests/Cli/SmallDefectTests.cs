using System.Diagnostics;
using Dsd.Distances;
using Dsd.Features;
using Dsd.Tests.Robustness;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Cli;

/// <summary>Issue 22 items 5 and 10: tiny pairs, CSV line breaks, SIGTERM's exit code, an empty metric list, contextual of identical images.</summary>
[Collection(CliHarness.Name)]
public sealed class SmallDefectTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-small-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData("style", 4)]
    [InlineData("multi-scale-style", 8)]
    [InlineData("sliced-wasserstein", 4)]
    public void A_pair_too_small_for_a_metric_is_that_pairs_error_and_the_others_are_scored(string metric, int least)
    {
        var (refs, dists) = (Path.Combine(dir, "ref"), Path.Combine(dir, "dist"));
        foreach (var (name, side) in new[] { ("a", 32), ("b", least - 1), ("c", least), ("d", 32) })
        {
            SpecialFiles.Png(Path.Combine(refs, name + ".png"), side, side, 1);
            SpecialFiles.Png(Path.Combine(dists, name + ".png"), side, side, 2);
        }
        var csv = Path.Combine(dir, "o.csv");
        var (code, _, err) = CliHarness.Run("score", "--ref", refs, "--dist", dists, "--metrics", metric, "--vgg-weights", CliHarness.GoldenWeights, "--out", csv);
        Assert.True(code == 2, err);
        Assert.Contains($"{Path.Combine(dists, "b.png")}: image is {least - 1}×{least - 1} but {metric} on relu1_2, relu2_1, relu3_1 needs at least {least}×{least} pixels", err);
        var rows = File.ReadAllLines(csv).Skip(1).ToList();
        Assert.Equal(4, rows.Count);
        foreach (var name in new[] { "a", "c", "d" }) Assert.Matches(@",[0-9.Ee+-]+,$", rows.Single(r => r.Contains($"{name}.png", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_carriage_return_in_a_file_name_is_quoted_in_csv()
    {
        var photo = SpecialFiles.Png(Path.Combine(dir, "a\rb.png"), 16, 16, 1);
        var (code, stdout, err) = CliHarness.Run("score", "--dist", photo, "--ref", photo, "--metrics", "psnr-y", "--format", "csv");
        Assert.True(code == 0, err);
        Assert.Contains($"\"{photo}\",\"{photo}\",inf,", stdout);
    }

    [Fact]
    public void An_empty_metric_list_is_a_usage_error()
    {
        var photo = SpecialFiles.Png(Path.Combine(dir, "a.png"), 16, 16, 1);
        var (code, _, err) = CliHarness.Run("score", "--dist", photo, "--metrics", "");
        Assert.Equal(1, code);
        Assert.Contains("--metrics: no metric given", err);
    }

    [PosixSignalFact]
    public async Task Sigterm_ends_a_command_with_130_as_the_exit_code_table_says()
    {
        // A command that runs for minutes: the contextual distance of 400×400 pairs compares 40,000² feature positions.
        var (refs, dists) = (Path.Combine(dir, "ref"), Path.Combine(dir, "dist"));
        foreach (var name in new[] { "a.png", "b.png" })
        {
            SpecialFiles.Png(Path.Combine(refs, name), 400, 400, 1);
            SpecialFiles.Png(Path.Combine(dists, name), 400, 400, 2);
        }
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dsd"), ["score", "--ref", refs, "--dist", dists, "--metrics", "contextual"])
            { RedirectStandardError = true, RedirectStandardOutput = true };
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(start)!;
        _ = p.StandardOutput.ReadToEndAsync();
        // "2 pairs found" comes once the command runs, after the handler is registered.
        var first = await p.StandardError.ReadLineAsync();
        Assert.Contains("2 pairs found", first);
        var rest = p.StandardError.ReadToEndAsync();
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {await rest}");
        Assert.Contains("interrupted (SIGTERM)", await rest);
    }

    [Fact]
    public void Contextual_distance_of_an_image_to_itself_is_exactly_zero()
    {
        using var scope = NewDisposeScope();
        using var vgg = new Vgg19Features(ContextualDistance.DefaultLayers, GoldenSet.Random.Vgg);
        var distance = new ContextualDistance(vgg);
        using var mode = inference_mode();
        manual_seed(3);
        var photo = rand(1, 3, 40, 48);
        var flat = full(new long[] { 1, 3, 40, 64 }, 0.5f);
        Assert.Equal(0.0, distance.PerImage(photo, photo.clone()).item<float>());
        Assert.Equal(0.0, distance.PerImage(flat, flat.clone()).item<float>());
        Assert.True(distance.PerImage(photo, rand(1, 3, 40, 48)).item<float>() > 0);
    }
}
