using System.Diagnostics;
using System.Globalization;
using Dsd.Cli.Commands;
using Dsd.Serialization;

// Dsd.TestHost [--kill-at-write N] <any dsd arguments>
// Runs dsd exactly as the tool does (DsdProgram), with fault injection for the crash tests: --kill-at-write N kills the
// process with SIGKILL once the N-th atomic write (AtomicFile) has filled and flushed its temp file, before the rename.
if (args is ["--kill-at-write", var count, .. var rest])
{
    if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var killAt) || killAt < 1)
    {
        Console.Error.WriteLine($"Dsd.TestHost: --kill-at-write needs a count of 1 or more, not '{count}'");
        return 1;
    }
    var writes = 0;
    AtomicFile.BeforeRename = _ =>
    {
        if (Interlocked.Increment(ref writes) == killAt) Process.GetCurrentProcess().Kill();
    };
    args = rest;
}
return DsdProgram.Run(args);
