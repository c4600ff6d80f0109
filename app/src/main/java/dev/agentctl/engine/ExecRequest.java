package dev.agentctl.engine;

import java.util.List;
import java.util.Map;

/** A command to run in a running container; null user/workdir: the container's. */
public record ExecRequest(List<String> command, String user, Map<String, String> env, String workdir) {
    public static ExecRequest of(List<String> command) {
        return new ExecRequest(command, null, Map.of(), null);
    }
}
