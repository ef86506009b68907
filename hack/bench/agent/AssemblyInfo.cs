// The benchmark runs real processes in Linux namespaces and cgroups, as the agent tests do.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
