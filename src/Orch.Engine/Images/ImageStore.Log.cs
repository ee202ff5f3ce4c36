using Microsoft.Extensions.Logging;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    [LoggerMessage(Level = LogLevel.Information, Message = "image {ImageId} imported as {Reference}, layer {Layer} (new snapshot: {NewSnapshot})")]
    private partial void LogImported(string imageId, string reference, string layer, bool newSnapshot);

    [LoggerMessage(Level = LogLevel.Information, Message = "image {ImageId} deleted with {Layers} unused layers")]
    private partial void LogDeleted(string imageId, int layers);
}
