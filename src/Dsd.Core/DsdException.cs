namespace Dsd;

/// <summary>What went wrong, so that a command-line front end can map it to an exit code.</summary>
public enum DsdErrorKind
{
    /// <summary>The command was asked for something that does not exist or does not fit (unknown metric, layer, device; a
    /// full-reference metric without a reference): a usage mistake, reported before any work starts.</summary>
    Usage,
    /// <summary>An input file or argument is unusable (missing, corrupt, unsupported, wrong size).</summary>
    InvalidInput,
    /// <summary>Network weights are missing, incomplete, of the wrong shape or fail their checksum.</summary>
    Weights,
    /// <summary>A computation produced NaN or infinity.</summary>
    Numerical,
    /// <summary>Reading or writing a file failed for reasons outside the input (disk, permissions, network).</summary>
    Io,
}

/// <summary>An error with a one-line message that names the file and the problem.</summary>
public class DsdException : Exception
{
    public DsdErrorKind Kind { get; }

    public DsdException(DsdErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;
}
