package dev.agentctl.cli;

import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;

/** Which of agentctl's commands a command line runs, found without building picocli's model of them all. */
final class CommandNames {
    /** agentctl's own options that take a value (--root DIR, --wait D) when not written as --option=value. */
    private static final Set<String> TAKE_A_VALUE = Set.of("--root", "--wait");
    /** Commands that read the whole command tree: help pages, completion scripts and candidates, CDS training. */
    private static final Set<String> NEED_ALL = Set.of("help", "completion", "__complete", "__cds-train");

    private CommandNames() {}

    /**
     * The command the first word that is not an option of agentctl's names, or null (all commands are needed) when
     * there is none, it is unknown (picocli then says so and suggests the nearest), or it reads the command tree.
     */
    static Class<?> only(List<Class<?>> commands, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return null;
            }
            if (a.startsWith("-")) {
                if (TAKE_A_VALUE.contains(a)) {
                    i++;
                }
                continue;
            }
            if (NEED_ALL.contains(a)) {
                return null;
            }
            for (Class<?> c : commands) {
                Command cmd = c.getAnnotation(Command.class);
                if (cmd != null
                        && (cmd.name().equals(a) || List.of(cmd.aliases()).contains(a))) {
                    return c;
                }
            }
            return null;
        }
        return null;
    }
}
