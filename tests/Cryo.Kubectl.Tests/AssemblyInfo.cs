// inspect is tested against an in-process agent, which exists only on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
