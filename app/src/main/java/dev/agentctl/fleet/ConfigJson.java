package dev.agentctl.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** An instance's config/config.json: read (bounded, never through a link) and written (through its folder handle). */
public final class ConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigJson() {}

    public static ObjectNode read(Path instanceDir) {
        return (ObjectNode) Fleet.readConfig(instanceDir);
    }

    public static String render(ObjectNode cfg) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces config.json in an instance that is in place (its config/ is the container's to write). */
    public static void write(Path instanceDir, ObjectNode cfg) throws IOException {
        try (UntrustedDir config = UntrustedDir.open(instanceDir, "config")) {
            config.write(
                    "config.json",
                    render(cfg).getBytes(StandardCharsets.UTF_8),
                    AtomicFiles.PRIVATE_FILE,
                    InstanceFiles.containerOwner());
        }
    }
}
