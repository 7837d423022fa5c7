using System.Diagnostics;
using Dsd.Tests.Training;
using Xunit;
using Dsd.Regressor;

namespace Dsd.Tests.Cli;

/// <summary>
/// SIGTERM (as a job scheduler or `kill` sends it) and Ctrl+C stop training after the current step with a checkpoint. This runs
/// the real executable in a child process, because a signal cannot be delivered to an in-process command.
/// </summary>
public class TrainInterruptTests
{
    [PosixSignalFact]
    public async Task SigtermStopsRegressorTrainingWithACheckpoint()
    {
        using var f = new TrainingFixture();
        var dsd = Path.Combine(AppContext.BaseDirectory, "dsd.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            ArgumentList =
            {
                dsd, "train", "regressor", "--data", f.Data, "--crop", "8", "--batch", "4", "--steps", "10000000",
                "--threads", "1", "--out", f.Out, "--vgg-weights", CliHarness.GoldenWeights,
            },
        };
        using var process = Process.Start(start)!;
        var stderr = new System.Text.StringBuilder();
        var training = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            if (e.Data.Contains("step ", StringComparison.Ordinal)) training.TrySetResult();
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var started = await Task.WhenAny(training.Task, Task.Delay(TimeSpan.FromSeconds(60))) == training.Task;
            Assert.True(started, "training did not start: " + stderr);
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                kill.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {stderr}");
        Assert.Contains("stopped at step", stderr.ToString());
        var step = RegressorCheckpoint.ReadManifest(f.Out).Counters.Step;
        Assert.InRange(step, 1, 10_000_000 - 1);
        Assert.Empty(Directory.GetFiles(f.Out, "*.tmp", SearchOption.AllDirectories));
    }
}
