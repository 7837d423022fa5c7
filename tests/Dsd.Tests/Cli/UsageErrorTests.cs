using Dsd.Cli;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// Every usage mistake (issue 23, items 3 and 4): exit 1, exactly one <c>dsd: error:</c> line on stderr that points to
/// the command's <c>--help</c> (with "did you mean" where a name is close), and nothing on stdout, the data stream.
/// Numbers that size work are refused the same way before anything is allocated.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class UsageErrorTests
{
    static readonly string Chelsea = Path.Combine(TestPaths.RepoRoot, "samples", "chelsea.png");

    public static TheoryData<string, string> Mistakes() => new()
    {
        // malformed values: were "internal error" (exit 6) or "some inputs failed" (exit 2)
        { "score --ref R --dist R --threads abc", "--threads: 'abc' is not a whole number; see 'dsd score --help'" },
        { "score --ref R --dist R --max-pixels abc", "--max-pixels: 'abc' is not a whole number; see 'dsd score --help'" },
        { "score --ref R --dist R --max-memory lots", "--max-memory: 'lots' is not a memory size (e.g. 8G, 512M, 25%); see 'dsd score --help'" },
        // bounds of the process-wide options typed before the command (the parser validates only the invoked command's)
        { "--threads 0 score --ref R --dist R", "--threads must be between 1 and " },
        { "--max-pixels 0 score --ref R --dist R", "--max-pixels must be between 1 and 536870911, got 0; see 'dsd score --help'" },
        { "restore sr --in R --out o --tile abc", "--tile: 'abc' is not a whole number; see 'dsd restore sr --help'" },
        // misspelled option, stray argument, unknown short option, unknown or missing command: were the whole help on stdout
        { "score --ref R --dsit R", "unknown option '--dsit' (did you mean '--dist'?); see 'dsd score --help'" },
        { "score --ref R --dist R stray", "unexpected argument 'stray' (dsd score takes options only); see 'dsd score --help'" },
        { "-v", "unknown option '-v' (did you mean '--version' or '--verbose'?); see 'dsd --help'" },
        { "scor --dist R", "unknown command 'scor' (did you mean 'score'?); see 'dsd --help'" },
        { "train", "no command given: sr, deblur, regressor, calibration; see 'dsd train --help'" },
        { "score --ref R", "missing --dist <PATH>: Distorted image, or a folder of them; see 'dsd score --help'" },
        { "merge --verbos a.json --out m.json", "unknown option '--verbos' (did you mean '--verbose'?) (a file whose name starts with '-' goes after --); see 'dsd merge --help'" },
        // a value outside an option's list: the parser lists them one per line; the error stays one line
        { "metrics --format bogus", "Argument 'bogus' not recognized. Must be one of: 'table' 'json'; see 'dsd metrics --help'" },
        // a mistake found by the command itself gets the same pointer
        { "score --ref R --dist R --metrics dsdd", "unknown metric 'dsdd' (did you mean 'dsd'?)" },
        // numbers that size work or memory (item 3)
        { "score --ref R --dist R --crop 64 --num-crops 2000000000", "--num-crops must be between 1 and 10000, got 2000000000; see 'dsd score --help'" },
        { "score --ref R --dist R --crop 64 --batch-size 100000000", "--batch-size must be between 1 and 1024, got 100000000" },
        { "score --ref R --dist R --crop 0", "--crop must be between 1 and 65536, got 0" },
        { "score --ref R --dist R --max-memory 1", "--max-memory must be between 8 MiB and" },
        { "score --ref R --dist R --max-memory 1000T", "(this machine's memory), got 1000T" },
        { "restore sr --in R --out o --tile 1", "--tile must be between 32 and 65536, got 1" },
        { "match --content R --reference R --steps 2000000000", "--steps must be between 0 and 10000000, got 2000000000" },
        { "minimize --image R --steps 500,2000000000", "steps: at most 1000 steps to save, each at most 10000000" },
        { "train sr --train R --out o --batch-size 100000", "batch_size at most 1024" },
        { "train sr --train R --out o --crop 4096 --batch-size 16", "batch_size × crop² at most 16777216 pixels (got 16 × 4096²)" },
        { "train regressor --train R --bank 2000000000", "--bank must be between 0 and 50000, got 2000000000" },
        { "train calibration --regressor R --train R --out o --groups 0", "--groups must be between 1 and 100000, got 0" },
        { "compare-losses --train R --val R --batch-size 5000", "--batch-size must be between 1 and 1024, got 5000" },
        { "report a.json --html r.html --pairs 1000000", "--pairs must be between 0 and 100, got 1000000" },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void UsageMistakesAreOneLineOnStderrAndExitOne(string command, string expected)
    {
        var args = command.Split(' ').Select(a => a == "R" ? Chelsea : a).ToArray();
        var (code, stdout, stderr) = CliHarness.Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("dsd: error: ", line);
        Assert.Contains(expected, line);
        Assert.Contains("--help'", line);
    }

    [Fact]
    public void MergeHelpListsOnlyTheOptionsMergeUses()
    {
        var (code, stdout, _) = CliHarness.Run("merge", "--help");
        Assert.Equal(0, code);
        Assert.DoesNotContain("--max-pixels", stdout);
        Assert.DoesNotContain("--threads", stdout);
        var score = CliHarness.Run("score", "--help").Out;
        Assert.Contains("--max-pixels", score);
        Assert.Contains("--threads", score);
    }

    [Fact]
    public void ThreadsAndMaxPixelsWorkBeforeAndAfterTheCommand()
    {
        foreach (var args in new[] { new[] { "--max-pixels", "100", "score" }, ["score", "--max-pixels", "100"] })
        {
            var (code, _, stderr) = CliHarness.Run([.. args, "--ref", Chelsea, "--dist", Chelsea, "--metrics", "psnr-y"]);
            Assert.Equal(2, code);
            Assert.Contains("exceeds the limit", stderr);
        }
    }

    [Fact]
    public void VerboseIsSetEvenWhenTheCommandLineDoesNotParse()
    {
        try
        {
            CliHarness.Run("--verbose", "score", "--threads", "abc");
            Assert.True(CliRunner.Verbose);
            var stderr = new StringWriter();
            var old = Console.Error;
            Console.SetError(stderr);
            try { Assert.Equal(6, CliRunner.Internal(new InvalidOperationException("boom"))); }
            finally { Console.SetError(old); }
            Assert.Contains("System.InvalidOperationException: boom", stderr.ToString());
        }
        finally { CliRunner.Verbose = false; }
    }
}
