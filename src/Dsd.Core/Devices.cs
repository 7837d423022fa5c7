using static TorchSharp.torch;

namespace Dsd;

/// <summary>Parses device names (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) for every command and trainer.</summary>
public static class Devices
{
    /// <summary>The device <paramref name="text"/> names; asking for CUDA where none is available is a usage error.</summary>
    public static Device Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        if (t == "cuda" || (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t[5..], out var n) && n >= 0))
        {
            if (!cuda.is_available())
                throw new DsdException(DsdErrorKind.Usage,
                    $"device '{text}': no CUDA device is available (this build uses the CPU runtime TorchSharp-cpu, or no GPU/driver was found)");
            return new Device(t);
        }
        throw new DsdException(DsdErrorKind.Usage, $"unknown device '{text}'{NameSuggestions.Hint(t, ["cpu", "cuda"])} (use cpu, cuda or cuda:N)");
    }
}
