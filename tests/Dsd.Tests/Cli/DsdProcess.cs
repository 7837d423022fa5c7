using System.Diagnostics;

namespace Dsd.Tests.Cli;

/// <summary>Runs the real dsd executable (built beside the tests) as a child process: offline, one thread.</summary>
public static class DsdProcess
{
    public static Task<(int Code, string Out, string Err)> Run(params string[] args) => RunWith(new Dictionary<string, string?>(), args);

    /// <summary><see cref="Run"/> with environment variables set (a null value removes the variable).</summary>
    public static async Task<(int Code, string Out, string Err)> RunWith(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var (code, stdout, stderr, _) = await Run(TimeSpan.FromMinutes(30), environment, args);
        return (code, stdout, stderr);
    }

    /// <summary>
    /// Start info for dsd with test hooks (tests/Dsd.TestHost): the same command line as the tool, and with
    /// <paramref name="killAtWrite"/> &gt; 0 a SIGKILL once that many atomic writes have filled their temp files, just
    /// before the rename (exit code 137). Works for any dsd command line.
    /// </summary>
    public static ProcessStartInfo TestHost(int killAtWrite, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Dsd.TestHost.dll"));
        if (killAtWrite > 0)
        {
            start.ArgumentList.Add("--kill-at-write");
            start.ArgumentList.Add(killAtWrite.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>The same with a time limit: a process still running after <paramref name="limit"/> is killed and reported as hung.</summary>
    public static Task<(int Code, string Out, string Err, bool Hung)> Run(TimeSpan limit, params string[] args) =>
        Run(limit, new Dictionary<string, string?>(), args);

    static async Task<(int Code, string Out, string Err, bool Hung)> Run(TimeSpan limit, IReadOnlyDictionary<string, string?> environment, string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "dsd")) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DSD_OFFLINE"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await stdout, await stderr, true);
        }
        return (process.ExitCode, await stdout, await stderr, false);
    }
}
