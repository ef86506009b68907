namespace Cryo.Contracts;
internal static class AssemblyMarker { }
