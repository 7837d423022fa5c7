using System.Reflection;
using Xunit;
using Xunit.Abstractions;
using Dsd.Cli.Commands;

namespace Dsd.Tests.Architecture;

/// <summary>
/// The layers of docs/architecture.md, enforced: a namespace may use its own layer and the layers above it, never one
/// below. References are read from the compiled assemblies (signatures and IL), so a `using` cannot hide one.
/// </summary>
public class LayerTests(ITestOutputHelper output)
{
    /// <summary>
    /// The layer order, top (depends on nothing of ours) to bottom. The one place it is written: the "Layers" block of
    /// docs/architecture.md lists the same folders in the same order (checked by <see cref="DocumentMirrorsTheOrder"/>).
    /// </summary>
    public static readonly string[] Order =
    [
        "Dsd",
        "Dsd.Serialization",
        "Dsd.Imaging",
        "Dsd.Weights",
        "Dsd.Features",
        "Dsd.Dissimilarity",
        "Dsd.Distances",
        "Dsd.Networks",
        "Dsd.NoReference",
        "Dsd.Quality",
        "Dsd.Scoring",
        "Dsd.Training",
        "Dsd.Restoration",
        "Dsd.Regressor",
        "Dsd.Experiments",
        "Dsd.Cli",
        "Dsd.Cli.Pictures",
        "Dsd.Cli.Report",
        "Dsd.Cli.Commands",
    ];

    static readonly Assembly[] Assemblies = [typeof(DsdException).Assembly, typeof(global::Dsd.Cli.Commands.DsdCommandLine).Assembly];

    /// <summary>namespace → the namespaces of ours it refers to, with one example type pair each.</summary>
    public static SortedDictionary<string, SortedDictionary<string, string>> NamespaceGraph()
    {
        var graph = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in Assemblies.SelectMany(a => a.GetTypes()))
        {
            if (TypeReferences.NamespaceOf(type) is not { } from || !IsOurs(from)) continue;
            if (!graph.TryGetValue(from, out var edges)) graph[from] = edges = new(StringComparer.Ordinal);
            foreach (var used in TypeReferences.Of(type))
                if (TypeReferences.NamespaceOf(used) is { } to && to != from && IsOurs(to))
                    edges.TryAdd(to, $"{Outer(type).Name} → {Outer(used).Name}");
        }
        return graph;
    }

    static bool IsOurs(string ns) => ns == "Dsd" || ns.StartsWith("Dsd.", StringComparison.Ordinal);

    static Type Outer(Type t)
    {
        while (t.IsNested) t = t.DeclaringType!;
        return t;
    }

    /// <summary>Every edge of <paramref name="graph"/> from a layer to one below it, as "From → To (example)".</summary>
    public static List<string> Violations(SortedDictionary<string, SortedDictionary<string, string>> graph)
    {
        var violations = new List<string>();
        foreach (var (from, edges) in graph)
            foreach (var (to, example) in edges)
                if (Rank(to) > Rank(from)) violations.Add($"{from} → {to} ({example})");
        return violations;
    }

    static int Rank(string ns)
    {
        var rank = Array.IndexOf(Order, ns);
        return rank >= 0 ? rank : throw new InvalidOperationException($"namespace {ns} is not in LayerTests.Order (nor docs/architecture.md)");
    }

    [Fact]
    public void NoNamespaceUsesOneBelowIt()
    {
        foreach (var (from, edges) in NamespaceGraph())
            output.WriteLine($"{from} → {string.Join(", ", edges.Keys)}");
        var violations = Violations(NamespaceGraph());
        Assert.True(violations.Count == 0, "layer violations:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void EveryNamespaceHasALayer()
    {
        var namespaces = Assemblies.SelectMany(a => a.GetTypes()).Select(TypeReferences.NamespaceOf).OfType<string>().Where(IsOurs).Distinct();
        foreach (var ns in namespaces) Assert.Contains(ns, Order);
    }

    [Fact]
    public void AReferenceToALowerLayerIsReported()
    {
        // The edges the layering once had (before issue 20): each must be reported, the allowed direction not.
        var graph = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal)
        {
            ["Dsd.Training"] = new(StringComparer.Ordinal) { ["Dsd.Restoration"] = "BatchQueue → Batch", ["Dsd.Networks"] = "TrainingCheckpoint → NetworkWeights" },
            ["Dsd.Weights"] = new(StringComparer.Ordinal) { ["Dsd.Features"] = "VggWeights → Vgg19Layers" },
        };
        Assert.Equal(["Dsd.Training → Dsd.Restoration (BatchQueue → Batch)", "Dsd.Weights → Dsd.Features (VggWeights → Vgg19Layers)"], Violations(graph));
    }

    [Fact]
    public void DocumentMirrorsTheOrder()
    {
        Assert.Equal(Order, DocumentedOrder());
    }

    /// <summary>The folders of the "Layers" block of docs/architecture.md, as namespaces, in order.</summary>
    static List<string> DocumentedOrder()
    {
        var doc = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "docs", "architecture.md"));
        var start = Array.FindIndex(doc, l => l == "## Layers");
        var block = doc.Skip(start).SkipWhile(l => l != "```text").Skip(1).TakeWhile(l => l != "```");
        var order = new List<string>();
        string? parent = null;
        foreach (var line in block)
        {
            // " Name/  …" is a folder of Dsd.Core (one more space: a sub-folder of the one before); " Dsd.Cli…  …" a CLI namespace.
            var trimmed = line.TrimStart();
            var indent = line.Length - trimmed.Length;
            var name = trimmed.Split(' ')[0];
            if (name.EndsWith('/'))
            {
                var folder = name.TrimEnd('/');
                if (indent == 1) { parent = folder == "(root)" ? null : folder; order.Add(folder == "(root)" ? "Dsd" : $"Dsd.{folder}"); }
                else if (indent is > 1 and < 5 && parent is not null) order.Add($"Dsd.{parent}.{folder}");
            }
            else if (indent == 1 && name.StartsWith("Dsd.", StringComparison.Ordinal)) order.Add(name);
        }
        return order;
    }
}
