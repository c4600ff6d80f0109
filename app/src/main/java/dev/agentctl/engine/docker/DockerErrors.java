package dev.agentctl.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.agentctl.AgentctlException;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.EngineException.Kind;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what docker-java throws into one {@link EngineException} with a kind and a message in agentctl's words. */
final class DockerErrors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATUS = Pattern.compile("(?s)^Status (\\d+): (.*)$");
    private static final Pattern PORT_TAKEN = Pattern.compile("Bind for ([^ ]+) failed: port is already allocated");
    private static final Pattern LISTEN = Pattern.compile("listen tcp4? ([^ :]+:\\d+): bind: address already in use");

    private DockerErrors() {}

    /** {@code what} says what was being done ("starting nanobot-alice"); the result is "WHAT: REASON". */
    static EngineException translate(RuntimeException e, String host, String what) {
        if (e instanceof EngineException ee) {
            return ee;
        }
        if (e instanceof AgentctlException a) {
            return new EngineException(Kind.FAILED, a.getMessage(), a);
        }
        String unreachable = unreachable(e);
        if (unreachable != null) {
            return new EngineException(
                    Kind.UNREACHABLE,
                    "cannot reach the Docker engine at " + host + ": " + unreachable + " (is dockerd running?)",
                    e);
        }
        Kind kind = Kind.FAILED;
        if (e instanceof NotFoundException) {
            kind = Kind.NOT_FOUND;
        } else if (e instanceof ConflictException) {
            kind = Kind.CONFLICT;
        } else if (e instanceof BadRequestException) {
            kind = Kind.REFUSED;
        } else if (isTimeout(e)) {
            kind = Kind.TIMEOUT;
        }
        String reason = e instanceof DockerException ? daemonMessage(e.getMessage()) : firstLine(e.getMessage());
        if (reason.isBlank()) {
            reason = e.getClass().getSimpleName();
        }
        return new EngineException(kind, (what == null ? "" : what + ": ") + reason, e);
    }

    /** The daemon's {"message": "..."} as one line, with the well-known ones said plainly. */
    static String daemonMessage(String raw) {
        String text = raw == null ? "" : raw.strip();
        Matcher m = STATUS.matcher(text);
        if (m.matches()) {
            text = m.group(2).strip();
        }
        if (text.startsWith("{")) {
            try {
                JsonNode n = JSON.readTree(text);
                if (n.hasNonNull("message")) {
                    text = n.get("message").asText();
                }
            } catch (java.io.IOException ignored) {
                // not JSON after all: keep the text
            }
        }
        Matcher port = PORT_TAKEN.matcher(text);
        if (port.find()) {
            return "port " + port.group(1) + " is already in use on this host";
        }
        Matcher listen = LISTEN.matcher(text);
        if (listen.find()) {
            return "port " + listen.group(1) + " is already in use on this host";
        }
        if (text.startsWith("Conflict. ")) {
            text = text.substring("Conflict. ".length());
            int dot = text.indexOf(". ");
            if (dot > 0) {
                text = text.substring(0, dot);
            }
        }
        return firstLine(text);
    }

    /** "The command '/bin/sh -c <the whole script>' returned a non-zero code: 2" said without the script again. */
    static String buildReason(String raw) {
        String one = firstLine(raw);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "(?s)^The command .* returned a non-zero code: (\\d+)$")
                .matcher(one);
        return m.matches() ? "the step's command exited with code " + m.group(1) : one;
    }

    static String firstLine(String s) {
        return s == null ? "" : s.strip().lines().findFirst().orElse("").strip();
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException
                    || t.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    /** The reason when the engine could not be reached at all (no socket, refused, reset, unknown host), else null. */
    private static String unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String msg = String.valueOf(t.getMessage());
            boolean connect = t instanceof java.net.ConnectException
                    || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.UnknownHostException
                    || t instanceof java.nio.file.NoSuchFileException
                    || (t instanceof java.net.SocketException && !(t instanceof java.net.SocketTimeoutException))
                    || (t.getClass().getName().contains("LastErrorException")
                            && (msg.contains("No such file")
                                    || msg.contains("Connection refused")
                                    || msg.contains("Permission denied")));
            if (connect) {
                return msg.replaceAll("^\\[\\d+]\\s*", "").toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }
}
