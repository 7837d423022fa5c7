using Xunit;

namespace Dsd.Tests;

/// <summary>
/// A fact that sends POSIX signals (SIGTERM, SIGKILL) to a child dsd process: skipped with a reason on Windows, which has
/// neither, instead of passing there without running (xunit 2 has no skip from inside a test).
/// </summary>
public sealed class PosixSignalFactAttribute : FactAttribute
{
    public const string WindowsReason = "sends POSIX signals (SIGTERM/SIGKILL), which Windows does not have";

    public PosixSignalFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = WindowsReason;
    }
}

/// <summary>The same for a theory.</summary>
public sealed class PosixSignalTheoryAttribute : TheoryAttribute
{
    public PosixSignalTheoryAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = PosixSignalFactAttribute.WindowsReason;
    }
}
