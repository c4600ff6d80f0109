package dev.agentctl.engine;

import dev.agentctl.spec.ContainerSpec;
import java.util.List;
import java.util.Map;

/**
 * A throwaway container without a network, without capabilities and without new privileges: {@code entrypoint} null
 * for the image's, {@code user} null for the image's, {@code env} what its process sees besides the image's.
 */
public record OneOff(
        String image,
        List<String> entrypoint,
        List<String> command,
        List<ContainerSpec.Mount> mounts,
        String user,
        Map<String, String> env) {
    public OneOff(
            String image,
            List<String> entrypoint,
            List<String> command,
            List<ContainerSpec.Mount> mounts,
            String user) {
        this(image, entrypoint, command, mounts, user, Map.of());
    }
}
