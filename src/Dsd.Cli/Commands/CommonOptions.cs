using System.CommandLine;
using System.Globalization;

namespace Dsd.Cli.Commands;

/// <summary>Options several commands share (--device, renamed options) and list parsing.</summary>
internal static class CommonOptions
{
    /// <summary><c>--strict</c> for commands that read many images: stop at the first unreadable one instead of skipping it.</summary>
    public static Option<bool> Strict(string skipped) => Strict("image", "read", skipped);

    /// <summary>
    /// <c>--strict</c> for every command that works through many inputs: stop at the first <paramref name="item"/> that
    /// cannot be <paramref name="done"/> instead of reporting it and going on (<paramref name="skipped"/>, exit 2).
    /// </summary>
    public static Option<bool> Strict(string item, string done, string skipped) =>
        new("--strict") { Description = $"Stop at the first {item} that cannot be {done} (default: report it, {skipped}, exit 2)" };

    /// <summary>Prints the images a training run left out; the exit code says that some inputs failed.</summary>
    public static int Unreadable(IReadOnlyList<string> reasons, int code)
    {
        foreach (var reason in reasons) CliRunner.Error(reason);
        if (reasons.Count == 0) return code;
        CliRunner.Info($"{reasons.Count} image{(reasons.Count == 1 ? " was" : "s were")} left out of training (see above; --strict stops instead)");
        return code == CliRunner.Ok ? CliRunner.InputsFailed : code;
    }

    public static Option<string> Device() => new("--device")
    {
        Description = "Where to compute: cpu, cuda or cuda:N (cuda needs the TorchSharp CUDA runtime package)",
        DefaultValueFactory = _ => "cpu",
        HelpName = "cpu|cuda",
    };

    /// <summary>Parses --device (see <see cref="Devices.Parse"/>).</summary>
    public static TorchSharp.torch.Device ParseDevice(string text) => Devices.Parse(text);

    public static IReadOnlyList<string> ParseList(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// A hidden option under an option's old name, accepted for one version after a rename so that scripts keep working;
    /// read both with <see cref="GetRenamed{T}"/>.
    /// </summary>
    public static Option<T> OldName<T>(Option<T> current, string oldName) => new(oldName)
    {
        Description = $"Old name of {current.Name}",
        Hidden = true,
        Arity = current.Arity,
    };

    /// <summary>The value of <paramref name="current"/>, or of its old name when only that was given.</summary>
    public static T? GetRenamed<T>(ParseResult parse, Option<T> current, Option<T> old) =>
        parse.GetResult(current) is { Implicit: false } || parse.GetResult(old) is null ? parse.GetValue(current) : parse.GetValue(old);

    public static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
