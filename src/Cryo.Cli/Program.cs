// The node agent's entry point; the service is assembled in later steps.
Console.Error.WriteLine("cryo: not yet serving; see README.md");
return 2;
