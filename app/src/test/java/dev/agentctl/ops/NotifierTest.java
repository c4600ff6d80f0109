package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentctl.fleet.FleetConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each notify: target gets its own body format, from a real receiver on 127.0.0.1; failures are returned. */
class NotifierTest {
    HttpServer server;
    final Map<String, String> bodies = new ConcurrentHashMap<>();
    final Map<String, String> types = new ConcurrentHashMap<>();

    @TempDir
    Path tmp;

    @BeforeEach
    void receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        for (String p : List.of("/json", "/text", "/slack")) {
            server.createContext(p, ex -> {
                bodies.put(p, new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                types.put(p, ex.getRequestHeaders().getFirst("Content-Type"));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
        }
        server.createContext("/broken", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url(String p) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + p;
    }

    @Test
    void jsonTextSlackAndACommandEachGetTheEvents() throws IOException {
        Path out = tmp.resolve("got.txt");
        FleetConfig.Notify n = new FleetConfig.Notify(
                List.of(url("/json")), List.of(url("/text")), List.of(url("/slack")), "cat > " + out);
        List<String> failed = new Notifier(n, "home")
                .send(List.of(
                        new Notifier.Event("a health", "fail", "a: unhealthy"),
                        new Notifier.Event("disk", "ok", "cleared")));
        assertThat(failed).isEmpty();
        assertThat(bodies.get("/json"))
                .isEqualTo("{\"fleet\":\"home\",\"events\":[{\"key\":\"a health\",\"state\":\"fail\",\"message\":"
                        + "\"a: unhealthy\"},{\"key\":\"disk\",\"state\":\"ok\",\"message\":\"cleared\"}]}");
        assertThat(types.get("/json")).isEqualTo("application/json");
        assertThat(bodies.get("/text")).isEqualTo("FAIL: a: unhealthy\nOK: cleared\n");
        assertThat(types.get("/text")).startsWith("text/plain");
        assertThat(bodies.get("/slack")).isEqualTo("{\"text\":\"FAIL: a: unhealthy\\nOK: cleared\\n\"}");
        assertThat(Files.readString(out)).isEqualTo("FAIL: a: unhealthy\nOK: cleared\n");
    }

    @Test
    void aTargetThatFailsIsNamedAndTheOthersStillGetIt() {
        FleetConfig.Notify n = new FleetConfig.Notify(
                List.of(url("/broken"), "http://127.0.0.1:1/nothing-listens", url("/json")),
                List.of(),
                List.of(),
                "exit 3");
        List<String> failed = new Notifier(n, "home").send(List.of(new Notifier.Event("k", "fail", "m")));
        assertThat(failed).hasSize(3);
        assertThat(failed.get(0))
                .isEqualTo("http://127.0.0.1:" + server.getAddress().getPort() + "/... answered 500");
        assertThat(failed.get(2)).contains("notify command exited 3");
        assertThat(bodies).containsKey("/json");
    }
}
