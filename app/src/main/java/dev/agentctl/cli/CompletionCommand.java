package dev.agentctl.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "completion",
        description = "Print a shell completion script.",
        footer = {
            "",
            "Examples:",
            "  source <(agentctl completion bash)",
            "  agentctl completion zsh > ~/.zfunc/_agentctl"
        })
final class CompletionCommand extends BaseCommand {
    enum Shell {
        bash,
        zsh
    }

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("agentctl", spec.root().commandLine());
        if (shell == Shell.zsh) {
            script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        out().print(script);
        return 0;
    }
}
