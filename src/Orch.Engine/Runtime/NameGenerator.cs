using System.Security.Cryptography;

namespace Orch.Engine.Runtime;

/// <summary>Docker-style random names ("brave_turing") for containers created without --name.</summary>
internal static class NameGenerator
{
    private static readonly string[] Left =
    [
        "admiring", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "brave", "busy", "charming", "clever",
        "cool", "dreamy", "eager", "ecstatic", "elegant", "epic", "festive", "focused", "friendly", "funny", "gallant",
        "gifted", "happy", "hopeful", "jolly", "keen", "kind", "laughing", "loving", "lucid", "modest", "nice",
        "nifty", "peaceful", "quirky", "relaxed", "serene", "sharp", "silly", "stoic", "sweet", "tender", "trusting",
        "upbeat", "vibrant", "wizardly", "youthful", "zealous",
    ];

    private static readonly string[] Right =
    [
        "albattani", "babbage", "bardeen", "bell", "blackwell", "bohr", "curie", "darwin", "dijkstra", "einstein",
        "euclid", "faraday", "fermi", "feynman", "galileo", "gauss", "goldberg", "hamilton", "hawking", "hopper",
        "hypatia", "johnson", "kepler", "knuth", "lamport", "liskov", "lovelace", "maxwell", "mccarthy", "meitner",
        "newton", "noether", "pascal", "pike", "ritchie", "shannon", "thompson", "torvalds", "turing", "wozniak",
    ];

    public static string Next(Func<string, bool> inUse)
    {
        for (var i = 0; ; i++)
        {
            var name = $"{Left[RandomNumberGenerator.GetInt32(Left.Length)]}_{Right[RandomNumberGenerator.GetInt32(Right.Length)]}";
            if (i > 10)
            {
                name += RandomNumberGenerator.GetInt32(100);
            }
            if (!inUse(name))
            {
                return name;
            }
        }
    }
}
