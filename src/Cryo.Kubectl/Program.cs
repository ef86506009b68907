// kubectl-cryo: `kubectl cryo …`, Cryo's custom resources from a terminal. See KubectlCryo.UsageText.
using Cryo.Kubectl;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops waiting; what was created stays and goes on in the cluster.
    e.Cancel = true;
    interrupted.Cancel();
};
return await KubectlCryo.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, interrupted.Token);
