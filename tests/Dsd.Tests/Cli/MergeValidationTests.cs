using System.Text.Json.Nodes;
using Dsd.Quality;
using Dsd.Scoring;
using Dsd.Tests.Robustness;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// Issue 22 item 7: <c>dsd merge</c> checks every field of every shard before using it, refuses an incomplete merge
/// unless --partial, and marks a partial document so that it cannot pass for a complete one.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class MergeValidationTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("dsd-merge-").FullName;
    readonly string[] shards;

    /// <summary>Eight pairs scored with psnr-y in three shards.</summary>
    public MergeValidationTests()
    {
        var (refs, dists) = (Path.Combine(dir, "ref"), Path.Combine(dir, "dist"));
        for (var i = 0; i < 8; i++)
        {
            SpecialFiles.Png(Path.Combine(refs, $"p{i}.png"), 16, 16, i);
            SpecialFiles.Png(Path.Combine(dists, $"p{i}.png"), 16, 16, 100 + i);
        }
        shards = Enumerable.Range(0, 3).Select(k =>
        {
            var path = Path.Combine(dir, $"shard{k}.json");
            var (code, _, err) = CliHarness.Run("score", "--ref", refs, "--dist", dists, "--metrics", "psnr-y", "--shard", $"{k}/3", "--out", path);
            Assert.True(code == 0, err);
            return path;
        }).ToArray();
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Shard <paramref name="k"/> with <paramref name="edit"/> applied, saved as another file.</summary>
    string Edited(int k, Action<JsonObject> edit)
    {
        var doc = JsonNode.Parse(File.ReadAllText(shards[k]))!.AsObject();
        edit(doc);
        var path = Path.Combine(dir, $"edited{k}-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, doc.ToJsonString());
        return path;
    }

    static JsonObject Row(JsonObject doc, int i = 0) => doc["rows"]![i]!.AsObject();

    static JsonObject Shard(JsonObject doc) => doc["settings"]!["shard"]!.AsObject();

    public static TheoryData<string, string> Edits => new()
    {
        { "score-string", "rows[0].psnr-y" }, { "score-bool", "rows[0].psnr-y" }, { "score-object", "rows[0].psnr-y" },
        { "score-missing", "rows[0].psnr-y" }, { "ref-number", "rows[0].ref" }, { "dist-missing", "rows[0].dist" },
        { "position-string", "settings.shard.positions[0]" }, { "position-out-of-range", "settings.shard.positions[0]" },
        { "index-7-of-3", "settings.shard.index" }, { "count-zero", "settings.shard.count" }, { "rule", "settings.shard.rule" },
        { "lower-is-better", "metrics.psnr-y" }, { "row-in-another-shard", "rows[0].dist" },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void An_edited_field_is_an_error_naming_the_file_and_the_field(string edit, string field)
    {
        var k = Enumerable.Range(0, 3).First(i => JsonNode.Parse(File.ReadAllText(shards[i]))!["rows"]!.AsArray().Count > 0);
        var other = Enumerable.Range(0, 3).First(i => i != k && JsonNode.Parse(File.ReadAllText(shards[i]))!["rows"]!.AsArray().Count > 0);
        var edited = Edited(k, doc =>
        {
            switch (edit)
            {
                case "score-string": Row(doc)["psnr-y"] = "35.2"; break;
                case "score-bool": Row(doc)["psnr-y"] = true; break;
                case "score-object": Row(doc)["psnr-y"] = new JsonObject { ["v"] = 1 }; break;
                case "score-missing": Row(doc).Remove("psnr-y"); break;
                case "ref-number": Row(doc)["ref"] = 3; break;
                case "dist-missing": Row(doc).Remove("dist"); break;
                case "position-string": Shard(doc)["positions"]![0] = "0"; break;
                case "position-out-of-range": Shard(doc)["positions"]![0] = 99; break;
                case "index-7-of-3": Shard(doc)["index"] = 7; break;
                case "count-zero": Shard(doc)["count"] = 0; break;
                case "rule": Shard(doc)["rule"] = "round robin"; break;
                case "lower-is-better": doc["metrics"]!["psnr-y"] = "no"; break;
                case "row-in-another-shard": Row(doc)["dist"] = JsonNode.Parse(File.ReadAllText(shards[other]))!["rows"]![0]!["dist"]!.GetValue<string>(); break;
            }
        });
        var output = Path.Combine(dir, "all.csv");
        var inputs = shards.Select((s, i) => i == k ? edited : s).ToArray();
        var (code, _, err) = CliHarness.Run(["merge", .. inputs, "--out", output, "--partial"]);
        Assert.Equal(2, code);
        Assert.Contains($"{edited}: field {field}", err);
        Assert.False(File.Exists(output), "wrote a merge from an edited shard");
    }

    [Fact]
    public void A_missing_shard_is_refused_unless_partial_and_a_partial_merge_says_so()
    {
        var json = Path.Combine(dir, "all.json");
        var csv = Path.Combine(dir, "all.csv");
        var (code, _, err) = CliHarness.Run("merge", shards[0], shards[2], "--out", json);
        Assert.Equal(2, code);
        Assert.Contains("missing shard 1/3", err);
        Assert.Contains("--partial", err);
        Assert.False(File.Exists(json));

        (code, _, err) = CliHarness.Run("merge", shards[0], shards[2], "--out", json, "--partial");
        Assert.Equal(2, code);
        var doc = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        var missing = JsonNode.Parse(File.ReadAllText(shards[1]))!["rows"]!.AsArray().Count;
        Assert.Equal(8 - missing, doc["rows"]!.AsArray().Count);
        var partial = doc[ShardMerge.PartialKey]!.AsArray().Select(p => (string)p!).ToList();
        Assert.Contains(partial, p => p.Contains("missing shard 1/3", StringComparison.Ordinal));
        Assert.Contains(partial, p => p.Contains($"{missing} of 8 pairs are missing", StringComparison.Ordinal));

        Assert.Equal(2, CliHarness.Run("merge", shards[0], shards[2], "--out", csv, "--partial").Code);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("# partial merge: missing shard 1/3", lines[0]);
        Assert.Equal("ref,dist,psnr-y,error", lines[1]);

        // Complete: no mark, exit 0.
        (code, _, err) = CliHarness.Run(["merge", .. shards, "--out", json]);
        Assert.True(code == 0, err);
        Assert.Null(JsonNode.Parse(File.ReadAllText(json))![ShardMerge.PartialKey]);
    }
}
