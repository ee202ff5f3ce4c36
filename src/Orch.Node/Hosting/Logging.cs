using Serilog;
using Serilog.Events;

namespace Orch.Node.Hosting;

/// <summary>Serilog is only the sink: one line per event, structured properties kept.</summary>
internal static class Logging
{
    private const string Template = "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {Level:u3} {SourceContext}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    public static Serilog.ILogger CreateLogger(NodeOptions options)
    {
        var level = options.LogLevel.ToLowerInvariant() switch
        {
            "debug" => LogEventLevel.Debug,
            "warn" or "warning" => LogEventLevel.Warning,
            "error" => LogEventLevel.Error,
            _ => LogEventLevel.Information,
        };
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: Template, standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: null);
        if (options.LogFile is { } file)
        {
            config = config.WriteTo.File(file, outputTemplate: Template, formatProvider: null);
        }
        return config.CreateLogger();
    }
}
