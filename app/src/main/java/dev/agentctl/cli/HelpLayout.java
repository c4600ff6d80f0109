package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * How help pages look: lines wrapped at 80 columns only at spaces (picocli's own wrapping breaks words at dots,
 * "fleet.yaml" becoming "fleet. yaml"), examples as written, and each command listing only the exit codes it can
 * return.
 */
final class HelpLayout {
    static final int WIDTH = 80;

    private HelpLayout() {}

    static void install(CommandLine root) {
        root.setUsageHelpWidth(1000); // picocli lays out columns but never wraps; rewrap() does
        apply(root);
    }

    private static void apply(CommandLine cl) {
        Map<String, CommandLine.IHelpSectionRenderer> sections = new LinkedHashMap<>(cl.getHelpSectionMap());
        for (String key : List.of(
                UsageMessageSpec.SECTION_KEY_SYNOPSIS,
                UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                UsageMessageSpec.SECTION_KEY_PARAMETER_LIST,
                UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
                UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST)) {
            CommandLine.IHelpSectionRenderer original = sections.get(key);
            if (original == null) {
                continue;
            }
            if (key.equals(UsageMessageSpec.SECTION_KEY_SYNOPSIS)) {
                sections.put(key, help -> {
                    int indent = ("Usage: " + help.commandSpec().qualifiedName() + " ").length();
                    return rewrap(original.render(help), WIDTH, indent);
                });
            } else {
                sections.put(key, help -> rewrap(original.render(help), WIDTH, -1));
            }
        }
        cl.setHelpSectionMap(sections);
        Object command = cl.getCommand();
        Map<String, String> codes = command instanceof BaseCommand b ? b.exitCodes() : allExitCodes();
        cl.getCommandSpec()
                .usageMessage()
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(codes);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getParent() == cl) {
                apply(sub);
            }
        }
    }

    static Map<String, String> allExitCodes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(" " + 0, "ok");
        m.put(" " + AgentctlException.FAILED, "failed");
        m.put(" " + AgentctlException.BAD_INPUT, "bad input or usage (nothing was changed)");
        m.put(" " + AgentctlException.ENGINE_UNREACHABLE, "Docker engine unreachable");
        m.put(" " + AgentctlException.UNHEALTHY, "something unhealthy (status, up, restore)");
        m.put(" " + AgentctlException.LOCKED, "another agentctl holds the fleet lock");
        return m;
    }

    /**
     * Lines longer than {@code width} wrapped at spaces; continuation lines are indented by {@code fixedIndent}, or
     * (when it is -1) to the line's description column (the first text after a run of two spaces) or to its own
     * indentation.
     */
    static String rewrap(String text, int width, int fixedIndent) {
        StringBuilder out = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                out.append('\n');
            }
            out.append(wrapLine(lines[i].stripTrailing(), width, fixedIndent));
        }
        return out.toString();
    }

    private static String wrapLine(String line, int width, int fixedIndent) {
        if (line.length() <= width) {
            return line;
        }
        int indent = fixedIndent >= 0 ? fixedIndent : hangingIndent(line);
        List<String> lines = new ArrayList<>();
        String rest = line;
        boolean first = true;
        while (rest.length() > width) {
            int cut = rest.lastIndexOf(' ', width);
            int minCut = first ? indent : indent + 1;
            if (cut <= minCut) {
                cut = rest.indexOf(' ', width);
                if (cut < 0) {
                    break;
                }
            }
            lines.add(rest.substring(0, cut).stripTrailing());
            rest = " ".repeat(indent) + rest.substring(cut + 1).stripLeading();
            first = false;
        }
        lines.add(rest);
        return String.join("\n", lines);
    }

    static int hangingIndent(String line) {
        int lead = 0;
        while (lead < line.length() && line.charAt(lead) == ' ') {
            lead++;
        }
        int gap = line.indexOf("  ", lead);
        if (gap > 0 && gap < WIDTH / 2) {
            int col = gap;
            while (col < line.length() && line.charAt(col) == ' ') {
                col++;
            }
            if (col < WIDTH / 2 + 10 && col < line.length()) {
                return col;
            }
        }
        return lead;
    }
}
