namespace Dsd.Weights;

/// <summary>Progress of a download, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="BytesReceived">Bytes written so far.</param>
/// <param name="TotalBytes">Expected size from Content-Length, or null when the server did not say.</param>
public readonly record struct DownloadProgress(long BytesReceived, long? TotalBytes);
