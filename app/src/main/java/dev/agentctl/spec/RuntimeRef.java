package dev.agentctl.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.fleet.Fleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A runtime build as instances mount it: its folder (runtime/venv-ID), its id and its image (the per-build tag in
 * its agentctl-build.json; runtime.image for a build without one, or when there is no build yet).
 */
public record RuntimeRef(Path build, String id, String image) {
    public static final String BUILD_JSON = "agentctl-build.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What runtime/current points at (the link itself when there is no build yet). */
    public static RuntimeRef current(Fleet fleet) {
        Path current = fleet.runtimeDir().resolve("current");
        try {
            current = current.toRealPath();
        } catch (IOException e) {
            // no build yet: the link's own path
        }
        return of(fleet, current);
    }

    public static RuntimeRef of(Fleet fleet, Path build) {
        return new RuntimeRef(build, build.getFileName().toString(), image(fleet, build));
    }

    /** The build's recorded information (empty when it has none). */
    public static JsonNode info(Path build) {
        try {
            return JSON.readTree(build.resolve(BUILD_JSON).toFile());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String image(Fleet fleet, Path build) {
        String image = Files.isRegularFile(build.resolve(BUILD_JSON))
                ? info(build).path("image").asText("")
                : "";
        return image.isEmpty() ? fleet.config().runtime().image() : image;
    }

    public boolean exists() {
        return Files.isDirectory(build);
    }
}
