using System.Diagnostics;
using Xunit;

namespace Dsd.Tests.Report;

/// <summary>Debian's chromium run headless with a fresh profile and nothing from the network: DOM dumps and screenshots.</summary>
public static class HeadlessChromium
{
    /// <summary>$DSD_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH, or null.</summary>
    public static string? Executable
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("DSD_CHROMIUM");
            if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? env : null;
            var path = Environment.GetEnvironmentVariable("PATH") ?? "";
            return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .SelectMany(dir => new[] { "chromium", "chromium-browser", "google-chrome" }.Select(name => Path.Combine(dir, name)))
                .FirstOrDefault(File.Exists);
        }
    }

    /// <summary>The DOM after the page's scripts ran (<c>--dump-dom</c>).</summary>
    public static string DumpDom(string url, int width, int height) => Run(url, width, height, "--dump-dom");

    /// <summary>A PNG screenshot of the top <paramref name="height"/> pixels of the page.</summary>
    public static byte[] Screenshot(string url, int width, int height)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("dsd-shot-").FullName, "shot.png");
        Run(url, width, height, "--screenshot=" + file);
        return File.ReadAllBytes(file);
    }

    static string Run(string url, int width, int height, string action)
    {
        var exe = Executable ?? throw new InvalidOperationException("chromium not found");
        var profile = Directory.CreateTempSubdirectory("dsd-chromium-").FullName;
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                     $"--user-data-dir={profile}", $"--window-size={width},{height}", action, url,
                 })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {exe}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within 120 s: {url}");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {stderr.Result}");
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { } // chromium may still release files
        return stdout.Result;
    }
}

/// <summary>A fact that needs a headless chromium; skipped with the reason when none is installed (.ci/run installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Executable is null)
            Skip = "needs Debian's chromium for the headless-browser check (apt-get install chromium; .ci/run installs it); not found on PATH or $DSD_CHROMIUM";
    }
}
