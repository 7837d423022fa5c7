using System.CommandLine;
using System.Globalization;
using TorchSharp;

namespace Dsd.Cli.Commands;

/// <summary>Options several commands share (--device, comma-separated lists) and their parsing.</summary>
internal static class CommonOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "Where to compute: cpu, cuda or cuda:N (cuda needs the TorchSharp CUDA runtime package)",
        DefaultValueFactory = _ => "cpu",
        HelpName = "cpu|cuda",
    };

    /// <summary>Parses --device, failing clearly when CUDA is asked for but not available.</summary>
    public static torch.Device ParseDevice(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return torch.CPU;
        if (t == "cuda" || t.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new DsdException(DsdErrorKind.InvalidInput,
                    "--device cuda: no CUDA device is available (this build uses the CPU runtime TorchSharp-cpu, or no GPU/driver was found)");
            return new torch.Device(t);
        }
        throw new DsdException(DsdErrorKind.InvalidInput, $"--device: unknown device '{text}' (use cpu, cuda or cuda:N)");
    }

    public static IReadOnlyList<string> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static IReadOnlyList<double> ParseAlphas(string text, string optionName)
    {
        var result = new List<double>();
        foreach (var part in ParseList(text))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha) || !(alpha > 1))
                throw new DsdException(DsdErrorKind.InvalidInput, $"{optionName}: '{part}' is not a downscale factor greater than 1 (e.g. 2 or 4)");
            result.Add(alpha);
        }
        if (result.Count == 0) throw new DsdException(DsdErrorKind.InvalidInput, $"{optionName}: at least one factor is required");
        return result;
    }

    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
