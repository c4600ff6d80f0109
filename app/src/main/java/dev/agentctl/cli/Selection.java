package dev.agentctl.cli;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instances a command works on: the named ones (each must exist and be readable, else the command is refused),
 * or all of them, where one that cannot be read is set aside with its reason so that it blocks only itself.
 */
record Selection(List<Instance> instances, Map<String, String> unreadable) {

    static Selection of(Fleet fleet, List<String> names) {
        if (!names.isEmpty()) {
            return new Selection(
                    names.stream()
                            .distinct()
                            .map(n -> fleet.require(Validate.name(n)))
                            .toList(),
                    Map.of());
        }
        List<Instance> ok = new ArrayList<>();
        Map<String, String> bad = new LinkedHashMap<>();
        for (Fleet.Loaded l : fleet.loadAll()) {
            if (l.instance() != null) {
                ok.add(l.instance());
            } else {
                bad.put(l.name(), l.error());
            }
        }
        return new Selection(ok, bad);
    }

    /** Says on {@code err} which instances were left out and why; true when there were any. */
    boolean reportUnreadable(PrintWriter err) {
        unreadable.forEach((name, why) -> err.println("agentctl: left " + name + " out: " + why));
        return !unreadable.isEmpty();
    }
}
