package dev.agentctl.engine;

import dev.agentctl.engine.docker.DockerEngine;
import java.util.function.Supplier;

/** Where engines come from: the Docker engine of DOCKER_HOST, or, in tests, whatever they install. */
public final class Engines {
    private static volatile Supplier<ContainerEngine> factory = DockerEngine::connect;

    private Engines() {}

    /** Connects (or exit 3, one line). */
    public static ContainerEngine connect() {
        return factory.get();
    }

    /** For tests: every later {@link #connect()} returns what {@code f} gives; {@code null} restores the default. */
    public static void use(Supplier<ContainerEngine> f) {
        factory = f == null ? DockerEngine::connect : f;
    }
}
