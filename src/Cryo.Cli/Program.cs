// The `cryo` command for people on a node: a client of the agent's Unix socket. See CryoCli.UsageText.
using Cryo.Cli;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels the call (the agent finishes or abandons the operation by itself).
    e.Cancel = true;
    interrupted.Cancel();
};
return await CryoCli.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, interrupted.Token);
