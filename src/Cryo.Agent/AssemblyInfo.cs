// The agent drives CRIU, namespaces and cgroups: it exists only on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
