using System.Text.Json.Nodes;

namespace Dsd.Scoring;

/// <summary>
/// A merged score document and what was wrong with the shards: <see cref="Problems"/> all of them (duplicated pairs and
/// shards included), <see cref="Missing"/> those that leave pairs out of the document (missing shards or pairs).
/// </summary>
public sealed record MergedScores(JsonObject Document, IReadOnlyList<string> Problems, IReadOnlyList<string> Missing)
{
    /// <summary>Whether pairs of the run are absent from the document.</summary>
    public bool Incomplete => Missing.Count > 0;
}

/// <summary>
/// Joins the JSON outputs of <c>dsd score --format json --shard K/N</c> (or of unsharded runs over disjoint inputs)
/// into the document one process would have written: rows in the whole plan's order, the summary recomputed, the
/// common settings without the shard entry. Outputs made with other settings or other weights (their SHA-256 is a
/// setting) are refused; missing shards, missing pairs and duplicated pairs are reported. Every field is checked before
/// it is used: rows (dist a file name, ref a file name or null, each metric a number or "inf"/"-inf" unless the row has an
/// error), metrics, and the shard entry (0 ≤ index &lt; count, positions distinct integers below the total, one per row,
/// each row's file in the shard the rule assigns it to), so an edited output is an error naming the file and the field,
/// never a NaN in the summary.
/// </summary>
public static class ShardMerge
{
    public const string IndexKey = "index";
    public const string CountKey = "count";
    public const string RuleKey = "rule";
    public const string TotalKey = "pairs_total";
    public const string PositionsKey = "positions";
    /// <summary>The top-level key of a partial merge's document: the problems that left pairs out.</summary>
    public const string PartialKey = "partial";
    const string ShardKey = "shard";
    static readonly HashSet<string> RowKeys = ["ref", "dist", "error"];

    /// <param name="outputs">Each output's file name (for messages) and its parsed JSON document.</param>
    /// <exception cref="DsdException">InvalidInput: not a score document, or outputs that cannot be merged.</exception>
    public static MergedScores Merge(IReadOnlyList<(string Name, JsonObject Document)> outputs)
    {
        if (outputs.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, "merge: no score outputs given");
        var (firstName, first) = outputs[0];
        var settings = CommonSettings(firstName, first);
        var metrics = Metrics(firstName, first);
        var problems = new List<string>();
        var missing = new List<string>();
        var shards = new Dictionary<int, string>();
        var rows = new List<(long Position, JsonObject Row, string From)>();
        int? count = null;
        long? total = null;
        foreach (var (name, doc) in outputs)
        {
            if (!JsonNode.DeepEquals(CommonSettings(name, doc), settings))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: settings differ from {firstName}'s ({Difference(CommonSettings(name, doc), settings)}); outputs of different runs cannot be merged");
            if (!JsonNode.DeepEquals(Metrics(name, doc), metrics))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: metrics differ from {firstName}'s; outputs of different runs cannot be merged");
            var shardNode = Part(name, doc, "settings")[ShardKey];
            if (shardNode is not (null or JsonObject)) throw Field(name, "settings.shard", "is not an object");
            var shard = shardNode as JsonObject;
            if ((shard is null) != (Part(firstName, first, "settings")[ShardKey] is null))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: {(shard is null ? "unsharded" : "sharded")} output among {(shard is null ? "sharded" : "unsharded")} ones ({firstName})");
            var docRows = Rows(name, doc, metrics);
            if (shard is null)
            {
                rows.AddRange(docRows.Select(r => ((long)rows.Count, r, name)));
                continue;
            }
            var n = Int(name, shard, CountKey, 1, int.MaxValue);
            var k = Int(name, shard, IndexKey, 0, n - 1);
            var t = Int(name, shard, TotalKey, 0, int.MaxValue);
            if (shard[RuleKey] is not JsonValue rv || !rv.TryGetValue<string>(out var rule) || rule != PairShard.Rule)
                throw Field(name, "settings.shard.rule", $"must be \"{PairShard.Rule}\"");
            if (count is not null && (n != count || t != total))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: shard {k}/{n} of {t} pairs does not belong with {firstName}'s {count} shards of {total} pairs");
            (count, total) = (n, t);
            if (!shards.TryAdd(k, name)) problems.Add($"{name}: shard {k}/{n} given twice (also {shards[k]}); its pairs are duplicated");
            var positions = shard[PositionsKey] as JsonArray ?? throw Field(name, "settings.shard.positions", "is not a list");
            if (positions.Count != docRows.Count) throw new DsdException(DsdErrorKind.InvalidInput, $"{name}: {docRows.Count} rows but {positions.Count} positions");
            var used = new HashSet<long>();
            for (var i = 0; i < docRows.Count; i++)
            {
                if (positions[i] is not JsonValue pv || !pv.TryGetValue<long>(out var position) || position < 0 || position >= t || !used.Add(position))
                    throw Field(name, $"settings.shard.positions[{i}]", $"{positions[i]?.ToJsonString() ?? "null"} is not a distinct integer in 0…{t - 1}");
                var dist = docRows[i]["dist"]!.GetValue<string>();
                if (PairShard.Of(new ImagePair(dist, null), n) != k)
                    throw Field(name, $"rows[{i}].dist", $"{dist} belongs to shard {PairShard.Of(new ImagePair(dist, null), n)}/{n}, not {k}/{n}");
                rows.Add((position, docRows[i], name));
            }
        }
        if (count is { } c)
        {
            var absent = Enumerable.Range(0, c).Where(k => !shards.ContainsKey(k)).ToList();
            if (absent.Count > 0) missing.Add($"missing shard{(absent.Count == 1 ? "" : "s")} {string.Join(", ", absent.Select(k => $"{k}/{c}"))}: their pairs are not in the merge");
        }

        var merged = new List<JsonObject>();
        var seen = new Dictionary<(string?, string?), string>();
        foreach (var (_, row, from) in rows.OrderBy(r => r.Position))
        {
            var key = ((string?)row["ref"], (string?)row["dist"]);
            if (!seen.TryAdd(key, from)) { problems.Add($"{key.Item2}: scored twice ({seen[key]}, {from}); the first is kept"); continue; }
            merged.Add((JsonObject)row.DeepClone());
        }
        if (total is { } all && merged.Count < all)
            missing.Add($"{all - merged.Count} of {all} pairs are missing" + (missing.Count == 0 ? " (a shard stopped early?)" : ""));
        var document = Document(merged, (JsonObject)metrics.DeepClone(), (JsonObject)settings.DeepClone());
        if (missing.Count > 0) document[PartialKey] = new JsonArray([.. missing.Select(m => (JsonNode)JsonValue.Create(m))]);
        return new MergedScores(document, [.. missing, .. problems], missing);
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

    /// <summary>The metrics block: each metric an object with a boolean lower_is_better.</summary>
    static JsonObject Metrics(string name, JsonObject doc)
    {
        var metrics = Part(name, doc, "metrics");
        foreach (var (metric, entry) in metrics)
            if (entry is not JsonObject e || e["lower_is_better"] is not JsonValue v || v.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                throw Field(name, $"metrics.{metric}", "is not {\"lower_is_better\": true|false}");
        return metrics;
    }

    /// <summary>The rows, each checked field by field against what 'dsd score' writes.</summary>
    static List<JsonObject> Rows(string name, JsonObject doc, JsonObject metrics)
    {
        var rows = doc["rows"] as JsonArray ?? throw NotScores(name);
        var result = new List<JsonObject>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] as JsonObject ?? throw Field(name, $"rows[{i}]", "is not an object");
            if (!IsText(row["dist"], allowNull: false)) throw Field(name, $"rows[{i}].dist", "must be a file name");
            if (!IsText(row["ref"], allowNull: true)) throw Field(name, $"rows[{i}].ref", "must be a file name or null");
            if (!IsText(row["error"], allowNull: true)) throw Field(name, $"rows[{i}].error", "must be a message or null");
            var failed = row["error"] is not null;
            foreach (var (key, value) in row)
            {
                if (RowKeys.Contains(key)) continue;
                if (!metrics.ContainsKey(key)) throw Field(name, $"rows[{i}].{key}", "is not one of the output's metrics");
                if (!(failed && value is null) && !double.IsFinite(Number(value)) && !IsInfinity(value))
                    throw Field(name, $"rows[{i}].{key}", $"{value?.ToJsonString() ?? "null"} is not a score (a number, \"inf\" or \"-inf\")");
            }
            if (!failed && metrics.Select(m => m.Key).FirstOrDefault(m => !row.ContainsKey(m)) is { } absent)
                throw Field(name, $"rows[{i}].{absent}", "is missing");
            result.Add(row);
        }
        return result;
    }

    static bool IsText(JsonNode? node, bool allowNull) =>
        node is null ? allowNull : node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0;

    static bool IsInfinity(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s is "inf" or "-inf";

    static int Int(string name, JsonObject shard, string key, int least, int most) =>
        shard[key] is JsonValue v && v.TryGetValue<int>(out var i) && i >= least && i <= most
            ? i
            : throw Field(name, $"settings.shard.{key}", $"{shard[key]?.ToJsonString() ?? "null"} is not an integer in {least}…{most}");

    static DsdException Field(string name, string field, string problem) =>
        new(DsdErrorKind.InvalidInput, $"{name}: field {field}: {problem}");

    static DsdException NotScores(string name) =>
        new(DsdErrorKind.InvalidInput, $"{name}: not a JSON output of 'dsd score --format json' (rows, metrics, settings)");
}
