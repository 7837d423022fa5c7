using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dsd.Training;

/// <summary>
/// How every training configuration is written and read — config files given with <c>--config</c> and the <c>config</c>
/// of checkpoint manifests: snake_case keys named like the flags (<c>batch_size</c> ↔ <c>--batch-size</c>), indented,
/// and an unknown key is an error (a typo must not silently fall back to a default).
/// </summary>
public static class TrainingConfigJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a config of type <typeparamref name="T"/>; a malformed one is InvalidInput naming <paramref name="source"/>.</summary>
    public static T Read<T>(string json, string source) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{source}: not a training config: {e.Message}", e);
        }
    }

    /// <summary>The key of a config property, as files and manifests write it.</summary>
    public static string Key(string property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property);
}
