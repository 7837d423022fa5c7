using System.Text.Json.Nodes;

namespace Dsd.Quality;

/// <summary>A merged score document and what was wrong with the shards (missing or duplicated pairs, missing shards).</summary>
public sealed record MergedScores(JsonObject Document, IReadOnlyList<string> Problems);

/// <summary>
/// Joins the JSON outputs of <c>dsd score --format json --shard K/N</c> (or of unsharded runs over disjoint inputs)
/// into the document one process would have written: rows in the whole plan's order, the summary recomputed, the
/// common settings without the shard entry. Outputs made with other settings or other weights (their SHA-256 is a
/// setting) are refused; missing shards, missing pairs and duplicated pairs are reported.
/// </summary>
public static class ShardMerge
{
    public const string IndexKey = "index";
    public const string CountKey = "count";
    public const string RuleKey = "rule";
    public const string TotalKey = "pairs_total";
    public const string PositionsKey = "positions";
    const string ShardKey = "shard";

    /// <param name="outputs">Each output's file name (for messages) and its parsed JSON document.</param>
    /// <exception cref="DsdException">InvalidInput: not a score document, or outputs that cannot be merged.</exception>
    public static MergedScores Merge(IReadOnlyList<(string Name, JsonObject Document)> outputs)
    {
        if (outputs.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, "merge: no score outputs given");
        var (firstName, first) = outputs[0];
        var settings = CommonSettings(firstName, first);
        var metrics = Part(firstName, first, "metrics");
        var problems = new List<string>();
        var shards = new Dictionary<int, string>();
        var rows = new List<(long Position, JsonObject Row, string From)>();
        int? count = null;
        long? total = null;
        foreach (var (name, doc) in outputs)
        {
            if (!JsonNode.DeepEquals(CommonSettings(name, doc), settings))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: settings differ from {firstName}'s ({Difference(CommonSettings(name, doc), settings)}); outputs of different runs cannot be merged");
            if (!JsonNode.DeepEquals(Part(name, doc, "metrics"), metrics))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: metrics differ from {firstName}'s; outputs of different runs cannot be merged");
            var shard = Part(name, doc, "settings")[ShardKey] as JsonObject;
            if ((shard is null) != (Part(firstName, first, "settings")[ShardKey] is null))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: {(shard is null ? "unsharded" : "sharded")} output among {(shard is null ? "sharded" : "unsharded")} ones ({firstName})");
            var docRows = Rows(name, doc);
            if (shard is null)
            {
                rows.AddRange(docRows.Select(r => ((long)rows.Count, r, name)));
                continue;
            }
            var (k, n, t) = (Int(name, shard, IndexKey), Int(name, shard, CountKey), Int(name, shard, TotalKey));
            if (count is not null && (n != count || t != total))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: shard {k}/{n} of {t} pairs does not belong with {firstName}'s {count} shards of {total} pairs");
            (count, total) = (n, t);
            if (!shards.TryAdd(k, name)) problems.Add($"{name}: shard {k}/{n} given twice (also {shards[k]}); its pairs are duplicated");
            var positions = shard[PositionsKey] as JsonArray ?? throw NotScores(name);
            if (positions.Count != docRows.Count) throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: {docRows.Count} rows but {positions.Count} positions");
            for (var i = 0; i < docRows.Count; i++) rows.Add((positions[i]!.GetValue<long>(), docRows[i], name));
        }
        if (count is { } c)
        {
            var absent = Enumerable.Range(0, c).Where(k => !shards.ContainsKey(k)).ToList();
            if (absent.Count > 0) problems.Add($"missing shard{(absent.Count == 1 ? "" : "s")} {string.Join(", ", absent.Select(k => $"{k}/{c}"))}: their pairs are not in the merge");
        }

        var merged = new List<JsonObject>();
        var seen = new Dictionary<(string?, string?), string>();
        foreach (var (_, row, from) in rows.OrderBy(r => r.Position))
        {
            var key = (row["ref"]?.GetValue<string>(), row["dist"]?.GetValue<string>());
            if (!seen.TryAdd(key, from)) { problems.Add($"{key.Item2}: scored twice ({seen[key]}, {from}); the first is kept"); continue; }
            merged.Add((JsonObject)row.DeepClone());
        }
        if (total is { } all && merged.Count < all && problems.Count == 0)
            problems.Add($"{all - merged.Count} of {all} pairs are missing (a shard stopped early?)");
        return new MergedScores(Document(merged, (JsonObject)metrics.DeepClone(), (JsonObject)settings.DeepClone()), problems);
    }

    /// <summary>The score document: rows, the summary over rows without error, metrics, settings.</summary>
    static JsonObject Document(List<JsonObject> rows, JsonObject metrics, JsonObject settings)
    {
        var summary = new JsonObject();
        foreach (var (metric, _) in metrics)
        {
            var values = rows.Where(r => r["error"] is null).Select(r => Number(r[metric])).ToList();
            var s = ScoreSummary.Of(values);
            summary[metric] = s.ToJson();
        }
        return new JsonObject { ["rows"] = new JsonArray([.. rows]), ["summary"] = summary, ["metrics"] = metrics, ["settings"] = settings };
    }

    /// <summary>A score from JSON: a number, "inf"/"-inf" (JSON has no infinity), null for none.</summary>
    public static double Number(JsonNode? node) => node switch
    {
        null => double.NaN,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) => s == "inf" ? double.PositiveInfinity : s == "-inf" ? double.NegativeInfinity : double.NaN,
        _ => double.NaN,
    };


    static JsonObject CommonSettings(string name, JsonObject doc)
    {
        var settings = (JsonObject)Part(name, doc, "settings").DeepClone();
        settings.Remove(ShardKey);
        return settings;
    }

    static string Difference(JsonObject a, JsonObject b)
    {
        var keys = a.Select(kv => kv.Key).Union(b.Select(kv => kv.Key));
        var differing = keys.Where(k => !JsonNode.DeepEquals(a[k], b[k])).Select(k => $"{k}: {a[k]?.ToJsonString() ?? "none"} vs {b[k]?.ToJsonString() ?? "none"}");
        return string.Join("; ", differing);
    }

    static JsonObject Part(string name, JsonObject doc, string key) => doc[key] as JsonObject ?? throw NotScores(name);

    static List<JsonObject> Rows(string name, JsonObject doc) =>
        (doc["rows"] as JsonArray ?? throw NotScores(name)).Select(r => r as JsonObject ?? throw NotScores(name)).ToList();

    static int Int(string name, JsonObject shard, string key) =>
        shard[key] is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw NotScores(name);

    static DsdException NotScores(string name) =>
        new(DsdErrorKind.InvalidInput, $"{name}: not a JSON output of 'dsd score --format json' (rows, metrics, settings)");
}
