package dev.agentctl.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

/** The two composes the rendered files are held against: 1.29 ({@code docker-compose} on PATH) and v2. */
public final class Composes {
    private Composes() {}

    /** Compose v2's standalone binary, as scripts/provision-compose-v2.sh installs it. */
    public static String v2() {
        String path =
                System.getenv().getOrDefault("AGENTCTL_COMPOSE_V2", "/opt/agentctl-test/compose-v2/docker-compose");
        assertThat(Path.of(path))
                .as("compose v2 (run scripts/provision-engine.sh, which installs it, or set AGENTCTL_COMPOSE_V2)")
                .isExecutable();
        return path;
    }

    /** docker-compose 1.29, then compose v2. */
    public static List<String> both() {
        return List.of("docker-compose", v2());
    }
}
