using Dsd.Cli.Commands;
using System.CommandLine;
using System.Text.RegularExpressions;
using Dsd.Cli;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// The README's command-line examples cannot drift (issue 23 item 1): the first one (the committed samples) is run and
/// its output must be the README's text exactly; every other <c>dsd …</c> line of the README must still parse, with
/// every option it names known to its command (the runs themselves need third-party data and minutes to hours; their
/// outputs were pasted from real runs). The C# blocks are compiled and run by tests/package/check-packages.sh.
/// </summary>
[Collection(CliHarness.Name)]
public sealed partial class ReadmeExampleTests
{
    static string Readme => File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));

    [Fact]
    public void TheFirstExampleOutputIsWhatTheCommandPrints()
    {
        var readme = Readme.Replace("\r", "");
        const string command = "score --ref samples/chelsea.png --dist samples/distorted --metrics dsd,psnr-y,ssim";
        Assert.Contains($"dotnet run -c Release --project src/Dsd.Cli -- {command}\n", readme);
        var start = readme.IndexOf("```text\ndsd: 6 pairs found\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README's first example output is missing");
        var documented = readme[(start + "```text\n".Length)..readme.IndexOf("```\n", start + 8, StringComparison.Ordinal)];
        var old = Environment.CurrentDirectory;
        Environment.CurrentDirectory = TestPaths.RepoRoot;
        try
        {
            var (code, stdout, stderr) = CliHarness.Run(command.Split(' '));
            Assert.Equal(0, code);
            var printed = stderr + stdout;
            Assert.Equal(Lines(documented), Lines(printed));
        }
        finally { Environment.CurrentDirectory = old; }
    }

    static string[] Lines(string text) => text.Replace("\r", "").TrimEnd('\n').Split('\n').Select(l => l.TrimEnd()).ToArray();

    [Fact]
    public void EveryDocumentedCommandLineParses()
    {
        var commands = DocumentedCommands(Readme).ToList();
        Assert.True(commands.Count >= 20, $"only {commands.Count} dsd command lines found in README.md");
        var problems = new List<string>();
        foreach (var line in commands)
        {
            var parse = DsdCommandLine.Create().Parse(Arguments(line));
            var mistake = parse.Errors.Count > 0 ? UsageError.Describe(parse) : UsageError.OptionTakenAsFile(parse);
            if (mistake is not null) problems.Add($"{line}\n    → {mistake}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Lines of code blocks that run dsd ("$ dsd …" or "dsd …"), continuation lines joined, comments dropped.</summary>
    static IEnumerable<string> DocumentedCommands(string markdown)
    {
        var inBlock = false;
        string? pending = null;
        foreach (var raw in markdown.Replace("\r", "").Split('\n'))
        {
            if (raw.StartsWith("```", StringComparison.Ordinal)) { inBlock = !inBlock; continue; }
            if (!inBlock) continue;
            var line = raw.Trim();
            if (pending is not null) line = pending + " " + line;
            else if (line.StartsWith("$ ", StringComparison.Ordinal)) line = line[2..];
            if (line.EndsWith('\\')) { pending = line[..^1].TrimEnd(); continue; }
            pending = null;
            line = Comment().Replace(line, "");
            if (Command().IsMatch(line) && !line.Contains('$')) yield return line;
        }
    }

    static string[] Arguments(string line) =>
        Token().Matches(line).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Value).Skip(1).ToArray();

    [GeneratedRegex(@"\s+#.*$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^dsd (--threads \d+ )?[a-z]")]
    private static partial Regex Command();

    [GeneratedRegex("\"([^\"]*)\"|\\S+")]
    private static partial Regex Token();
}
