using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dsd.Quality;
using Dsd.Scoring;

namespace Dsd.Cli.Commands;

/// <summary><c>dsd merge SHARD.json… --out ALL.json|csv</c>: joins the JSON outputs of sharded <c>dsd score</c> runs.</summary>
internal static class MergeCommand
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var inputs = new Argument<string[]>("outputs") { Description = "JSON outputs of 'dsd score --format json --shard K/N'", Arity = ArgumentArity.OneOrMore, HelpName = "SHARD.json" };
        var output = new Option<string>("--out")
        {
            Description = "Merged result: .csv for CSV, anything else JSON (the same document one 'dsd score' process writes); written atomically",
            Required = true,
            HelpName = "FILE",
        };
        var partial = new Option<bool>("--partial")
        {
            Description = "Write the merge even when shards or pairs are missing (exit 2); the document is marked: a \"partial\" list of what is "
                + "missing in JSON, a first line '# partial merge: …' in CSV. Without it an incomplete merge writes nothing",
        };
        var command = new Command("merge", "Join sharded 'dsd score' outputs: checks they share settings and weights and every field, refuses "
            + "missing shards or pairs (unless --partial), reports duplicated pairs, recomputes the summary. Example: dsd merge scores-*.json --out scores.csv")
        {
            inputs, output, partial,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var outPath = parse.GetValue(output)!;
            Serialization.OutputGuard.RefuseInputs(outPath, parse.GetValue(inputs)!, "shard output");
            var docs = parse.GetValue(inputs)!.Select(path => (path, Read(path))).ToList();
            var merged = ShardMerge.Merge(docs);
            if (merged.Incomplete && !parse.GetValue(partial))
            {
                foreach (var problem in merged.Problems) CliRunner.Error(problem);
                CliRunner.Error($"{outPath}: not written: the merge is incomplete; --partial writes it marked as partial");
                return CliRunner.InputsFailed;
            }
            foreach (var problem in merged.Problems) CliRunner.Warn(problem);
            var text = outPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? Csv(merged.Document) : merged.Document.ToJsonString(Indented) + "\n";
            Serialization.AtomicFile.WriteAllText(outPath, text);
            var rows = merged.Document["rows"]!.AsArray().Count;
            CliRunner.Info($"merged {rows} pair{(rows == 1 ? "" : "s")} from {docs.Count} output{(docs.Count == 1 ? "" : "s")} into {outPath}"
                + (merged.Incomplete ? " (marked partial)" : ""));
            return merged.Problems.Count > 0 ? 2 : 0;
        }));
        return command;
    }

    static JsonObject Read(string path)
    {
        Serialization.InputFile.RequireRegular(path, DsdErrorKind.InvalidInput);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: not valid JSON ({e.Message})");
        }
    }

    /// <summary>The CSV that 'dsd score --format csv' writes for the same rows.</summary>
    static string Csv(JsonObject doc)
    {
        var metrics = doc["metrics"]!.AsObject().Select(kv => kv.Key).ToList();
        var sb = new StringBuilder();
        // A partial merge says so before its header, where no reader can take it for complete (pandas: comment='#').
        if (doc[ShardMerge.PartialKey] is JsonArray missing)
            sb.Append("# partial merge: " + string.Join("; ", missing.Select(m => ((string?)m ?? "").ReplaceLineEndings(" "))) + "\n");
        sb.Append(ScoreReport.CsvHeader(metrics));
        foreach (var row in doc["rows"]!.AsArray().Select(r => r!.AsObject()))
            sb.Append(ScoreReport.CsvRow((string?)row["ref"], (string)row["dist"]!, metrics.Select(m => row[m] is null ? (double?)null : ShardMerge.Number(row[m])), (string?)row["error"]));
        return sb.ToString();
    }
}
