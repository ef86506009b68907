using Cryo.Operator.Hosting;

// The operator: watches Checkpoints and Restores and drives the node agents (see Hosting/OperatorApp.cs).
await OperatorApp.Build(args).RunAsync();
