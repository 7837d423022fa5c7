using System.Text.Json.Nodes;
using Dsd.Imaging;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Cli;

/// <summary>
/// N <c>dsd score --shard K/N</c> processes of the real executable, run in parallel and merged with <c>dsd merge</c>,
/// give the single process's output row for row (random crops included: they are seeded by the pair's position in
/// the whole plan), and merge refuses or reports what does not fit together.
/// </summary>
public sealed class ShardedScoringTests : IDisposable
{
    readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("dsd-shards-");
    readonly string dist;
    readonly string reference;

    public ShardedScoringTests()
    {
        dist = Directory.CreateDirectory(Path.Combine(dir.FullName, "dist")).FullName;
        reference = Directory.CreateDirectory(Path.Combine(dir.FullName, "ref")).FullName;
        using var scope = NewDisposeScope();
        var g = new TorchSharp.torch.Generator(5);
        for (var i = 0; i < 9; i++)
        {
            var r = rand([1, 3, 40, 48], generator: g);
            ImageIo.SavePng(r, Path.Combine(reference, $"pic{i}.png"));
            ImageIo.SavePng((r + randn([1, 3, 40, 48], generator: g) * (0.02f * (i + 1))).clamp(0, 1), Path.Combine(dist, $"pic{i}.png"));
        }
    }

    string[] Score(params string[] extra) =>
        ["score", "--ref", reference, "--dist", dist, "--metrics", "dsd,psnr-y,ssim", "--crop", "24", "--num-crops", "2",
         "--vgg-weights", CliHarness.GoldenWeights, .. extra];

    static async Task<(int Code, string Err)> Dsd(params string[] args)
    {
        var (code, _, err) = await DsdProcess.Run(args);
        return (code, err);
    }

    string Out(string name) => Path.Combine(dir.FullName, name);

    [Fact]
    public async Task ShardsRunInParallelAndMergedEqualTheSingleProcessRowForRow()
    {
        const int n = 3;
        var single = Dsd(Score("--out", Out("single.json"), "--format", "json"));
        var singleCsv = Dsd(Score("--out", Out("single.csv"), "--format", "csv"));
        var shards = Enumerable.Range(0, n).Select(k => Dsd(Score("--shard", $"{k}/{n}", "--out", Out($"shard{k}.json"), "--format", "json"))).ToList();
        foreach (var run in (Task<(int Code, string Err)>[])[single, singleCsv, .. shards])
        {
            var (exit, stderr) = await run;
            Assert.True(exit == 0, stderr);
        }

        // Every shard scored something (9 names over 3 shards) and none scored everything.
        var shardRows = Enumerable.Range(0, n).Select(k => JsonNode.Parse(File.ReadAllText(Out($"shard{k}.json")))!["rows"]!.AsArray().Count).ToList();
        Assert.Equal(9, shardRows.Sum());
        Assert.All(shardRows, c => Assert.InRange(c, 1, 8));

        // Given in reverse order: merge orders the rows as the plan does.
        var (code, err) = await Dsd(["merge", .. Enumerable.Range(0, n).Reverse().Select(k => Out($"shard{k}.json")), "--out", Out("merged.json")]);
        Assert.True(code == 0, err);
        var expected = JsonNode.Parse(File.ReadAllText(Out("single.json")))!.AsObject();
        var merged = JsonNode.Parse(File.ReadAllText(Out("merged.json")))!.AsObject();
        var (expectedRows, mergedRows) = (expected["rows"]!.AsArray(), merged["rows"]!.AsArray());
        Assert.Equal(9, mergedRows.Count);
        for (var i = 0; i < expectedRows.Count; i++)
            Assert.True(JsonNode.DeepEquals(expectedRows[i], mergedRows[i]), $"row {i}: {expectedRows[i]!.ToJsonString()} vs {mergedRows[i]!.ToJsonString()}");
        Assert.True(JsonNode.DeepEquals(expected, merged), "whole document (summary, metrics, settings)");

        Assert.Equal(0, (await Dsd(["merge", .. Enumerable.Range(0, n).Select(k => Out($"shard{k}.json")), "--out", Out("merged.csv")])).Code);
        Assert.Equal(File.ReadAllText(Out("single.csv")), File.ReadAllText(Out("merged.csv")));
    }

    [Fact]
    public async Task MergeReportsAMissingShardAndRefusesOutputsOfOtherSettings()
    {
        Assert.Equal(0, (await Dsd(Score("--shard", "0/2", "--out", Out("a.json"), "--format", "json"))).Code);
        Assert.Equal(0, (await Dsd(Score("--shard", "1/2", "--dsd-layers", "relu1_2", "--out", Out("b.json"), "--format", "json"))).Code);

        var (code, err) = await Dsd("merge", Out("a.json"), "--out", Out("partial.json"));
        Assert.Equal(2, code);
        Assert.Contains("missing shard 1/2", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Out("partial.json")), "an incomplete merge was written without --partial");
        (code, err) = await Dsd("merge", Out("a.json"), "--out", Out("partial.json"), "--partial");
        Assert.Equal(2, code);
        Assert.Contains("missing shard 1/2", JsonNode.Parse(File.ReadAllText(Out("partial.json")))!["partial"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        (code, err) = await Dsd("merge", Out("a.json"), Out("b.json"), "--out", Out("bad.json"));
        Assert.Equal(2, code);
        Assert.Contains("settings differ", err, StringComparison.Ordinal);
        Assert.Contains("dsd:", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Out("bad.json")));

        (code, err) = await Dsd("merge", Out("a.json"), Out("a.json"), "--out", Out("twice.json"));
        Assert.Equal(2, code);
        Assert.Contains("given twice", err, StringComparison.Ordinal);
    }

    public void Dispose() => dir.Delete(recursive: true);
}
