#!/usr/bin/env node
// The kubectl plugin: kubectl runs `kubectl-egress` from PATH for `kubectl egress ...`, with the arguments after
// "egress" and its own environment (KUBECONFIG included), so this is the CLI itself under the plugin's name.
await import('./main.js');
