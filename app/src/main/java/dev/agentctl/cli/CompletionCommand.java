package dev.agentctl.cli;

import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Providers;
import dev.agentctl.fleet.Souls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;

@Command(
        name = "completion",
        description = "Print a shell completion script: commands, options, and the fleet's instance names, souls and"
                + " backup files.",
        footer = {
            "",
            "Examples:",
            "  source <(agentctl completion bash)",
            "  agentctl completion zsh > \"$${fpath[1]}/_agentctl\""
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
        String script = bash(spec.root());
        if (shell == Shell.zsh) {
            script = "#compdef agentctl\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        out().print(script);
        return 0;
    }

    /** What a word completes to: a fixed list, a kind asked of agentctl at completion time, files or folders. */
    static String kind(String command, String label, String option) {
        String l = label == null ? "" : label;
        if (option != null) {
            return switch (option) {
                case "--soul" -> "@souls";
                case "--root", "--to", "--from" -> "@dirs";
                case "--env-file" -> "@files";
                case "--mode" -> "pause stop online";
                case "--provider" -> String.join(" ", Providers.NAMES);
                case "--format" -> "json table";
                default -> "";
            };
        }
        if (l.equals("NAME") || l.equals("NAME...")) {
            return command.startsWith("trash ") ? "@trash" : "@instances";
        }
        if (l.equals("FILE") && (command.equals("restore") || command.equals("backup verify"))) {
            return "@backups";
        }
        if (l.equals("SHELL")) {
            return "bash zsh";
        }
        if (l.equals("DIR")) {
            return "@dirs";
        }
        return "";
    }

    static String bash(CommandSpec root) {
        Map<String, CommandSpec> commands = new TreeMap<>();
        collect(root, "", commands);
        StringBuilder sb = new StringBuilder();
        sb.append("# agentctl completion (bash): source <(agentctl completion bash)\n");
        sb.append("_agentctl_words() { # KIND: instance names, souls, backups or trash, from the fleet in use\n");
        sb.append("  local root=() i\n");
        sb.append("  for ((i=1; i<${#COMP_WORDS[@]}; i++)); do\n");
        sb.append("    if [[ ${COMP_WORDS[i]} == --root ]]; then root=(--root \"${COMP_WORDS[i+1]}\"); fi\n");
        sb.append("    if [[ ${COMP_WORDS[i]} == --root=* ]]; then root=(--root \"${COMP_WORDS[i]#--root=}\"); fi\n");
        sb.append("  done\n");
        sb.append("  ${AGENTCTL:-agentctl} __complete \"$1\" \"${root[@]}\" 2>/dev/null\n");
        sb.append("}\n");
        sb.append("_agentctl() {\n");
        sb.append("  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path='' w i words\n");
        sb.append("  for ((i=1; i<COMP_CWORD; i++)); do\n");
        sb.append("    w=${COMP_WORDS[i]}\n");
        sb.append("    case \"${path:+$path }$w\" in\n");
        for (String c : commands.keySet()) {
            if (!c.isEmpty()) {
                sb.append("      '").append(c).append("') path=\"${path:+$path }$w\" ;;\n");
            }
        }
        sb.append("    esac\n");
        sb.append("  done\n");
        sb.append("  words=''\n");
        sb.append("  case \"$path|$prev\" in\n");
        for (Map.Entry<String, CommandSpec> e : commands.entrySet()) {
            for (OptionSpec o : e.getValue().options()) {
                if (o.arity().max() > 0 && !o.hidden()) {
                    String k = kind(e.getKey(), o.paramLabel(), o.longestName());
                    for (String n : o.names()) {
                        sb.append("    '")
                                .append(e.getKey())
                                .append("|")
                                .append(n)
                                .append("') words=")
                                .append(quote(k))
                                .append(" ;;\n");
                    }
                }
            }
        }
        sb.append("    *)\n");
        sb.append("      case \"$path\" in\n");
        for (Map.Entry<String, CommandSpec> e : commands.entrySet()) {
            CommandSpec s = e.getValue();
            List<String> w = new ArrayList<>();
            s.subcommands().forEach((n, sub) -> {
                if (!sub.getCommandSpec().usageMessage().hidden()
                        && sub.getCommandSpec().name().equals(n)) {
                    w.add(n);
                }
            });
            String positional = "";
            for (PositionalParamSpec p : s.positionalParameters()) {
                if (!p.hidden()) {
                    positional = kind(e.getKey(), p.paramLabel(), null);
                    break;
                }
            }
            sb.append("        '")
                    .append(e.getKey())
                    .append("') if [[ $cur == -* ]]; then words=")
                    .append(quote(String.join(" ", options(s))))
                    .append("; else words=")
                    .append(quote((String.join(" ", w) + " " + positional).strip()))
                    .append("; fi ;;\n");
        }
        sb.append("      esac ;;\n");
        sb.append("  esac\n");
        sb.append("  case \"$words\" in\n");
        sb.append("    @dirs) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n");
        sb.append("    @files) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n");
        sb.append(
                "    *@*) COMPREPLY=($(compgen -W \"${words%%@*} $(_agentctl_words \"${words##*@}\")\" -- \"$cur\")) ;;\n");
        sb.append("    *) COMPREPLY=($(compgen -W \"$words\" -- \"$cur\")) ;;\n");
        sb.append("  esac\n");
        sb.append("}\n");
        sb.append("complete -o default -F _agentctl agentctl\n");
        return sb.toString();
    }

    private static void collect(CommandSpec spec, String path, Map<String, CommandSpec> out) {
        out.put(path, spec);
        spec.subcommands().forEach((name, sub) -> {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden() && s.name().equals(name) && !name.equals("help")) {
                collect(s, path.isEmpty() ? name : path + " " + name, out);
            }
        });
    }

    private static List<String> options(CommandSpec s) {
        List<String> names = new ArrayList<>();
        for (OptionSpec o : s.options()) {
            if (!o.hidden()) {
                names.addAll(List.of(o.names()));
            }
        }
        return names;
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** {@code agentctl __complete KIND}: what the completion script asks for, one per line, fast and quiet. */
    @Command(name = "__complete", hidden = true, description = "Completion candidates (for the completion script).")
    static final class Candidates extends BaseCommand {
        @Parameters(paramLabel = "KIND")
        String kind;

        @Override
        public Integer call() throws Exception {
            Fleet fleet;
            try {
                fleet = Fleet.open(Fleet.locate(globals().root, globals().env.get(Fleet.ENV_ROOT), Path.of("")));
            } catch (RuntimeException e) {
                fleet = null;
            }
            List<String> words = new ArrayList<>();
            switch (kind) {
                case "instances" -> {
                    if (fleet != null) {
                        words.addAll(fleet.instanceNames());
                    }
                }
                case "souls" -> words.addAll(Souls.NAMES);
                case "backups" -> {
                    if (fleet != null) {
                        BackupCatalog.archives(fleet.backupsDir()).forEach(p -> words.add(p.toString()));
                    }
                }
                case "trash" -> {
                    if (fleet != null) {
                        new dev.agentctl.fleet.Trash(fleet).list().forEach(e -> {
                            if (!words.contains(e.instance())) {
                                words.add(e.instance());
                            }
                        });
                    }
                }
                default -> {
                    return 2;
                }
            }
            words.forEach(out()::println);
            return 0;
        }
    }
}
