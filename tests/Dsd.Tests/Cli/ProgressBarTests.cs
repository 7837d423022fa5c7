using Dsd.Cli;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>The CLI's one progress helper, as logs see it (stderr redirected, as under the test host).</summary>
[Collection(CliHarness.Name)]
public class ProgressBarTests
{
    static string CaptureStderr(Action body)
    {
        var old = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try { body(); }
        finally { Console.SetError(old); }
        return captured.ToString();
    }

    [Fact]
    public void RedirectedStepsPrintALineAtEveryTenthAndTheLast()
    {
        Assert.True(Console.IsErrorRedirected, "the test host redirects stderr");
        var result = 0;
        var text = CaptureStderr(() => result = ProgressBar.Steps("descent", 95, report =>
        {
            for (var step = 1; step <= 95; step++) report(step, $"loss {step}");
            return 42;
        }));
        Assert.Equal(42, result);
        // Every 9 steps (95 / 10), and the final step.
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([.. Enumerable.Range(1, 10).Select(k => $"dsd: descent: {9 * k}/95  loss {9 * k}"), "dsd: descent: 95/95  loss 95"], lines);
    }

    [Fact]
    public void RedirectedItemsAreSilentAndAllDone()
    {
        var done = new List<string>();
        var text = CaptureStderr(() => ProgressBar.Items(3, advance =>
        {
            foreach (var item in new[] { "a.png", "b.png", "c.png" })
            {
                done.Add(item);
                advance(item);
            }
        }));
        Assert.Equal(["a.png", "b.png", "c.png"], done);
        Assert.Equal("", text);
    }
}
