using System.Diagnostics;
using Dsd.Serialization;
using Dsd.Tests.Training;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// A kill -9 at any moment never costs a training run its exactness, whichever head it trains (a restoration network,
/// psi): the real executable is killed (SIGKILL) just before each file write of the first saves becomes visible
/// (tests/Dsd.TestHost --kill-at-write) and at random moments, then resumed from whatever is on disk; every run must
/// end with weights bitwise equal to an uninterrupted run's.
/// </summary>
public class CrashResumeTests
{
    const int Steps = 5;

    /// <summary>The command line of each head: a tiny run that saves after every step.</summary>
    static string[] Arguments(string head, string outDir, string data, bool resume) => (head, resume) switch
    {
        ("sr", true) => ["train", "sr", "--resume", Path.Combine(outDir, "last.json")],
        ("sr", false) => ["train", "sr", "--train", data, "--out", outDir, "--steps", $"{Steps}", "--blocks", "1", "--batch-size", "2", "--crop", "8",
            "--ema", "0.5", "--lr-step", "2", "--save-every", "1", "--log-every", "1", "--seed", "3"],
        (_, true) => ["train", "regressor", "--resume", outDir, "--vgg-weights", CliHarness.GoldenWeights],
        // Batches of 16 make a psi step take about as long as the tiny sr step (≈ 0.4 s here): at batch 4 a run could end
        // before a SIGTERM sent at step k arrived, and the signal then met the exiting process (143).
        _ => ["train", "regressor", "--train", data, "--out", outDir, "--steps", $"{Steps}", "--crop", "8", "--batch-size", "16",
            "--ema", "0.5", "--lr-step", "2", "--save-every", "1", "--val-every", "1", "--seed", "3", "--vgg-weights", CliHarness.GoldenWeights],
    };

    /// <summary>The weights a finished run is judged by.</summary>
    static string WeightsFile(string head) => head == "sr" ? "last.safetensors" : "psi_ema.safetensors";

    static (int Code, string Err) Dsd(string head, string outDir, string data, bool resume, int killAtWrite = 0, int killAfterMs = 0, int termAtStep = 0)
    {
        var start = DsdProcess.TestHost(killAtWrite, Arguments(head, outDir, data, resume));
        start.Environment["OMP_NUM_THREADS"] = "1"; // bitwise equality needs the same thread count in every process
        start.Environment["MKL_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var err = new System.Text.StringBuilder();
        var terminated = false;
        // SIGTERM as soon as the log reports step termAtStep: the signal lands while the next step runs.
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (err) err.AppendLine(e.Data);
            if (termAtStep > 0 && !terminated && e.Data.Contains($"step {termAtStep}/{Steps}", StringComparison.Ordinal))
            {
                terminated = true;
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                term.WaitForExit();
            }
        };
        process.BeginErrorReadLine();
        _ = process.StandardOutput.ReadToEndAsync();
        if (killAfterMs > 0 && !process.WaitForExit(killAfterMs)) process.Kill(); // SIGKILL
        process.WaitForExit();
        lock (err) return (process.ExitCode, err.ToString());
    }

    /// <summary>Runs to the end from whatever a killed run left: resume from its checkpoint, or start again when none was committed.</summary>
    static void Finish(string head, string outDir, string data)
    {
        var resume = File.Exists(Path.Combine(outDir, "last.json"));
        var (code, err) = Dsd(head, outDir, data, resume);
        Assert.True(code == 0, $"{(resume ? "resume" : "restart")} failed ({code}): {err}");
    }

    static Dictionary<string, TorchSharp.torch.Tensor> Weights(string head, string dir) => SafeTensors.Load(Path.Combine(dir, WeightsFile(head)));

    public static TheoryData<string> Heads => new() { "sr", "regressor" };

    [PosixSignalTheory]
    [MemberData(nameof(Heads))]
    public void SigkillAtEveryWriteAndAtRandomMomentsStillEndsExactly(string head)
    {
        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var straight = Directory.CreateTempSubdirectory("dsd-crash-straight-").FullName;
        Assert.Equal(0, Dsd(head, straight, data, resume: false).Code);
        var expected = Weights(head, straight);

        var kills = 0;
        // sr: writes 1–2 are the CSV logs; each save then writes weights, .pth, state, manifest: 3–6 (step 1), 7–10 (step 2).
        // regressor: write 1 is the log; each save writes psi, psi_ema, the snapshot, state, manifest: 2–6, 7–11.
        var points = Enumerable.Range(1, 10).Select(k => (Write: k, Ms: 0))
            .Concat(new Random(7).GetItems([1500, 2500, 3500, 4500], 3).Select(ms => (Write: 0, Ms: ms)));
        foreach (var (write, ms) in points)
        {
            var dir = Directory.CreateTempSubdirectory("dsd-crash-").FullName;
            var (code, err) = Dsd(head, dir, data, resume: false, write, ms);
            if (code != 0) kills++;
            Assert.True(write == 0 || code == 137, $"write {write}: expected a SIGKILL (137), got {code}: {err}");
            if (code != 0) Finish(head, dir, data);
            var actual = Weights(head, dir);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (key, t) in expected)
                Assert.True(t.eq(actual[key]).all().item<bool>(), $"killed at write {write} / {ms} ms: {key} differs after resuming");
            Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
            Assert.Single(Directory.GetFiles(dir, "last.state*"));
        }
        Assert.True(kills >= 10, $"only {kills} runs were killed");
    }

    /// <summary>
    /// Ctrl+C/SIGTERM during each step of a run, each followed by --resume, ends with the weights of an uninterrupted run,
    /// bit for bit. (An earlier build diverged in about one of seven such sequences: number → Scalar temporaries in the
    /// optimiser could be finalised during the native call; Adam now holds its Scalars for the whole update.)
    /// </summary>
    [PosixSignalTheory]
    [MemberData(nameof(Heads))]
    public void SigtermDuringEveryStepAndResumeEndsExactly(string head)
    {
        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var straight = Directory.CreateTempSubdirectory("dsd-term-straight-").FullName;
        Assert.Equal(0, Dsd(head, straight, data, resume: false).Code);
        var expected = Weights(head, straight);

        // The signal goes out when the log shows step k, so it arrives during step k + 1 (or its save).
        var interrupted = 0;
        for (var k = 1; k < Steps; k++)
        {
            var dir = Directory.CreateTempSubdirectory("dsd-term-").FullName;
            var (code, err) = Dsd(head, dir, data, resume: false, termAtStep: k);
            // 0 or 143: the run had ended (its last step logged) before the signal came; 143 is the runtime's own exit
            // when the signal meets a process that is already shutting down.
            var ended = err.Contains($"step {Steps}/{Steps}", StringComparison.Ordinal);
            Assert.True(code == 130 || (ended && code is 0 or 143), $"SIGTERM after step {k}: expected 130 (or 0/143 when the run had already ended), got {code}: {err}");
            if (code == 130)
            {
                interrupted++;
                Finish(head, dir, data);
            }
            var actual = Weights(head, dir);
            foreach (var (key, t) in expected)
                Assert.True(t.eq(actual[key]).all().item<bool>(), $"SIGTERM after step {k}: {key} differs after resuming");
        }
        Assert.True(interrupted >= 2, $"only {interrupted} of {Steps - 1} runs were interrupted");
    }
}
