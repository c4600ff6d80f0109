package dev.agentctl.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.fleet.FleetConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends what changed to fleet.yaml's {@code notify:} targets: JSON webhooks ({@code {"fleet", "events": [{"key",
 * "state", "message"}]}}), ntfy-style plain-text webhooks (one line per event), Slack-style webhooks ({@code {"text":
 * ...}}) and a command (the text on stdin). Each target gets 10 seconds; a failure is returned, never thrown: a
 * notification that cannot be sent never fails the run that sends it.
 */
public final class Notifier {
    /** One change: a condition that began ("fail", "warn") or ended ("ok"). */
    public record Event(String key, String state, String message) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final FleetConfig.Notify targets;
    private final String fleet;

    public Notifier(FleetConfig.Notify targets, String fleet) {
        this.targets = targets;
        this.fleet = fleet;
    }

    /** The targets that could not be reached, each with why. */
    public List<String> send(List<Event> events) {
        List<String> failed = new ArrayList<>();
        if (events.isEmpty() || targets.isEmpty()) {
            return failed;
        }
        String text = text(events);
        ObjectNode json = JSON.createObjectNode().put("fleet", fleet);
        var list = json.putArray("events");
        events.forEach(e ->
                list.addObject().put("key", e.key()).put("state", e.state()).put("message", e.message()));
        targets.json().forEach(u -> post(u, "application/json", json.toString(), failed));
        targets.text().forEach(u -> post(u, "text/plain; charset=utf-8", text, failed));
        targets.slack()
                .forEach(u -> post(
                        u,
                        "application/json",
                        JSON.createObjectNode().put("text", text).toString(),
                        failed));
        if (targets.command() != null) {
            run(targets.command(), text, failed);
        }
        return failed;
    }

    static String text(List<Event> events) {
        StringBuilder b = new StringBuilder();
        for (Event e : events) {
            b.append(e.state().equals("ok") ? "OK: " : e.state().toUpperCase() + ": ")
                    .append(e.message())
                    .append('\n');
        }
        return b.toString();
    }

    private static void post(String url, String type, String body, List<String> failed) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            HttpResponse<Void> r = c.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(TIMEOUT)
                            .header("Content-Type", type)
                            .header("Title", "agentctl")
                            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() / 100 != 2) {
                failed.add(where(url) + " answered " + r.statusCode());
            }
        } catch (IOException | IllegalArgumentException e) {
            failed.add(where(url) + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed.add(where(url) + ": interrupted");
        }
    }

    /**
     * Where a webhook goes, without its path or query: a Slack or ntfy URL is itself a secret, so it is never
     * printed whole.
     */
    static String where(String url) {
        try {
            URI u = URI.create(url);
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + "/...";
        } catch (IllegalArgumentException e) {
            return "a notify URL";
        }
    }

    private static void run(String command, String text, List<String> failed) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Thread feed = new Thread(
                    () -> { // a command that does not read its input never holds maintain up
                        try (OutputStream in = p.getOutputStream()) {
                            in.write(text.getBytes(StandardCharsets.UTF_8));
                        } catch (IOException ignored) {
                            // it closed its input
                        }
                    });
            feed.setDaemon(true);
            feed.start();
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                failed.add("notify command did not finish in " + TIMEOUT.toSeconds() + " s");
            } else if (p.exitValue() != 0) {
                failed.add("notify command exited " + p.exitValue());
            }
        } catch (IOException e) {
            failed.add("notify command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
